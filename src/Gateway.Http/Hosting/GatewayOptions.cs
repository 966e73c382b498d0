using Duragent.Configuration;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// Options of the HTTP gateway (<c>services.AddDuragentGateway(server, options => …)</c>). Filled from the effective
/// <c>server</c> section of <c>duragent.yaml</c> (after command-line overrides); tests shorten the intervals.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>Default page size of <c>GET …/events</c>: 500 events.</summary>
    public const int DefaultEventsPageSize = 500;

    /// <summary>Largest page of <c>GET …/events</c>: 5,000 events.</summary>
    public const int MaxEventsPageSize = 5000;

    /// <summary>Largest page of <c>GET …/messages</c>: 500 messages.</summary>
    public const int MaxMessagesPageSize = 500;

    /// <summary>Default page size of <c>GET …/messages</c>: 50 messages.</summary>
    public const int DefaultMessagesPageSize = 50;

    /// <summary>The reconnection delay sent to SSE clients at the start of every stream (<c>retry:</c>): 3,000 ms.</summary>
    public const int SseRetryMilliseconds = 3000;

    /// <summary>The effective server settings: binding, limits and tokens.</summary>
    public ServerConfig Server { get; set; } = new();

    /// <summary>Interval of SSE keep-alive comments; <c>server.keep_alive_interval_seconds</c> (15 seconds by default).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(ServerConfig.DefaultKeepAliveIntervalSeconds);

    /// <summary>
    /// Longest time one request may take, streams excepted, and the longest wait of <c>?wait=true</c>;
    /// <c>server.request_timeout_seconds</c> (300 seconds by default).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(ServerConfig.DefaultRequestTimeoutSeconds);

    /// <summary>
    /// Lifetime of a stream token issued by <c>POST /api/v1/sessions/{id}/stream-token</c>;
    /// <c>server.stream_token_seconds</c> (60 seconds by default).
    /// </summary>
    public TimeSpan StreamTokenLifetime { get; set; } = TimeSpan.FromSeconds(ServerConfig.DefaultStreamTokenSeconds);

    /// <summary>Throws naming the option when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Server);
        if (KeepAliveInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, "Gateway: the SSE keep-alive interval must be positive.");
        }

        if (StreamTokenLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamTokenLifetime), StreamTokenLifetime, "Gateway: the stream token lifetime must be positive.");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "Gateway: the request timeout must be positive.");
        }
    }
}
