using System.Reflection;
using Duragent.Gateway.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Builder;

namespace Duragent.Gateway.Http.Problems;

/// <summary>
/// A problem+json response (<see cref="ProblemBody"/>): the one way the gateway reports errors. Returned by handlers
/// (<c>Results&lt;Ok&lt;T&gt;, ApiProblem&gt;</c>), thrown inside <see cref="ApiProblemException"/>, or written by the
/// error middleware.
/// </summary>
public sealed class ApiProblem : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    /// <summary>The media type of problem bodies: <c>application/problem+json</c>.</summary>
    public const string MediaType = "application/problem+json";

    private ApiProblem(int status, string code, string? detail, IReadOnlyList<string>? errors)
    {
        Status = status;
        Code = code;
        Detail = detail;
        Errors = errors;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The stable code (<see cref="ProblemCodes"/>).</summary>
    public string Code { get; }

    /// <summary>What went wrong.</summary>
    public string? Detail { get; }

    /// <summary>Itemized errors, if any.</summary>
    public IReadOnlyList<string>? Errors { get; }

    int? IStatusCodeHttpResult.StatusCode => Status;

    string? IContentTypeHttpResult.ContentType => MediaType;

    /// <summary>A problem with the status that belongs to <paramref name="code"/>.</summary>
    public static ApiProblem Of(string code, string? detail, IReadOnlyList<string>? errors = null) =>
        new(ProblemCodes.StatusOf(code), code, detail, errors);

    /// <summary>A problem with an explicit status.</summary>
    public static ApiProblem Of(int status, string code, string? detail, IReadOnlyList<string>? errors = null) =>
        new(status, code, detail, errors);

    /// <summary>400 <c>invalid_request</c>.</summary>
    public static ApiProblem Invalid(string detail) => new(400, ProblemCodes.InvalidRequest, detail, null);

    /// <summary>404 <c>session_not_found</c>.</summary>
    public static ApiProblem SessionNotFound(string sessionId) =>
        new(404, ProblemCodes.SessionNotFound, $"Session '{sessionId}' does not exist.", null);

    /// <summary>The body as sent for a request to <paramref name="instance"/>.</summary>
    public ProblemBody ToBody(string? instance) =>
        new(ProblemCodes.TypePrefix + Code, ProblemCodes.TitleOf(Code), Status, Detail, instance, Code, Errors);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = MediaType;
        response.Headers.CacheControl = "no-store";

        // Not RequestAborted: after a request timeout that token is cancelled, and the problem must still be written
        // (a write to a connection that is gone completes without effect).
        return response.WriteAsJsonAsync(ToBody(httpContext.Request.Path.Value), GatewayJsonContext.Default.ProblemBody, MediaType, CancellationToken.None);
    }

    // The statuses an endpoint can answer with are declared per endpoint (ProducesProblems); nothing to add here.
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
    }

    public override string ToString() => $"{Status} {Code}: {Detail}";
}
