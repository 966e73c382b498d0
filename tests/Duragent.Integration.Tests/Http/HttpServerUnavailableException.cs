namespace Duragent.Integration.Tests.Http;

/// <summary>No server answered at <see cref="BaseUrl"/> (connection refused, reset, timed out).</summary>
internal sealed class HttpServerUnavailableException(Uri baseUrl, Exception innerException)
    : Exception($"Cannot reach the Duragent server at {baseUrl}: {innerException.Message}", innerException)
{
    public Uri BaseUrl { get; } = baseUrl;
}
