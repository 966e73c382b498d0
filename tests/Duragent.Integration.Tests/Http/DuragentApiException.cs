using System.Net;

namespace Duragent.Integration.Tests.Http;

/// <summary>
/// The server answered with an error. <see cref="Message"/> is the problem's detail (or title), ready to print;
/// <see cref="Code"/> is Duragent's stable code (<c>session_not_found</c>, …) when the body was problem+json.
/// </summary>
internal sealed class DuragentApiException : Exception
{
    public DuragentApiException(HttpStatusCode status, string? code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public HttpStatusCode Status { get; }

    public string? Code { get; }

    /// <summary>True for answers worth retrying: 408, 429, 502, 503, 504.</summary>
    public bool IsTransient => Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}
