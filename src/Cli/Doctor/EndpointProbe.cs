using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Duragent.Cli.Doctor;

/// <summary>
/// Whether a model endpoint answers HTTP at all: one unauthenticated <c>GET</c> of its base URL, with a short connect
/// timeout. Any HTTP status counts as reachable (a 401 or 404 still proves a server is there); no API key or other
/// credential is ever sent, and redirects are not followed.
/// </summary>
internal sealed class EndpointProbe : IDisposable
{
    /// <summary>Default of the connect timeout: 2 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Default of the whole request's timeout (connect, TLS, response headers): 5 seconds.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(5);

    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _client;

    public EndpointProbe(TimeSpan? connectTimeout = null, TimeSpan? requestTimeout = null)
    {
        ConnectTimeout = connectTimeout ?? DefaultConnectTimeout;
        RequestTimeout = requestTimeout ?? DefaultRequestTimeout;
        _handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        _client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public TimeSpan ConnectTimeout { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>Probes <paramref name="url"/>; never throws for a network failure, only for the caller's cancellation.</summary>
    public async Task<EndpointProbeResult> ProbeAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return EndpointProbeResult.Answered((int)response.StatusCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            return EndpointProbeResult.Failed($"connect timed out after {Seconds(ConnectTimeout)}");
        }
        catch (OperationCanceledException)
        {
            return EndpointProbeResult.Failed($"no answer within {Seconds(RequestTimeout)}");
        }
        catch (HttpRequestException ex)
        {
            return EndpointProbeResult.Failed(Describe(ex));
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }

    private static string Describe(HttpRequestException ex)
    {
        var socket = ex.InnerException as SocketException ?? ex.InnerException?.InnerException as SocketException;
        return (ex.HttpRequestError, socket?.SocketErrorCode) switch
        {
            (_, SocketError.ConnectionRefused) => "connection refused",
            (HttpRequestError.NameResolutionError, _) or (_, SocketError.HostNotFound or SocketError.NoData) => $"DNS lookup failed ({Inner(ex)})",
            (HttpRequestError.SecureConnectionError, _) => $"TLS handshake failed ({Inner(ex)})",
            _ when ex.InnerException is AuthenticationException => $"TLS handshake failed ({Inner(ex)})",
            _ => Inner(ex),
        };
    }

    private static string Inner(Exception ex) => (ex.InnerException ?? ex).Message;

    private static string Seconds(TimeSpan value) =>
        value.TotalSeconds >= 1 ? $"{value.TotalSeconds:0.#} s" : $"{value.TotalMilliseconds:0} ms";
}

/// <summary>What <see cref="EndpointProbe"/> found: an HTTP status, or why no HTTP answer came.</summary>
internal sealed record EndpointProbeResult(bool Reachable, int? StatusCode, string? Failure)
{
    public static EndpointProbeResult Answered(int statusCode) => new(true, statusCode, null);

    public static EndpointProbeResult Failed(string failure) => new(false, null, failure);
}
