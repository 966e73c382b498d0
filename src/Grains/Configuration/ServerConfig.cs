using System.Net;
using System.Text;

namespace Duragent.Configuration;

/// <summary>The <c>server</c> section of <c>duragent.yaml</c>: the HTTP gateway's binding, limits and tokens.</summary>
public sealed record ServerConfig
{
    /// <summary>The default bind address: 127.0.0.1 (loopback only).</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The default port: 8080.</summary>
    public const int DefaultPort = 8080;

    /// <summary>The default request timeout: 300 seconds.</summary>
    public const int DefaultRequestTimeoutSeconds = 300;

    /// <summary>The default longest quiet gap in a stream: 60 seconds.</summary>
    public const int DefaultIdleTimeoutSeconds = 60;

    /// <summary>The default SSE keep-alive comment interval: 15 seconds.</summary>
    public const int DefaultKeepAliveIntervalSeconds = 15;

    /// <summary>The default cap on concurrent connections: 1024.</summary>
    public const int DefaultMaxConnections = 1024;

    /// <summary>The default request body limit: 2 MiB.</summary>
    public const long DefaultMaxBodyBytes = 2 * 1024 * 1024;

    /// <summary>The default lifetime of a stream token (<c>POST …/stream-token</c>): 60 seconds.</summary>
    public const int DefaultStreamTokenSeconds = 60;

    /// <summary>Tokens shorter than this draw a warning: 16 characters.</summary>
    public const int MinimumRecommendedTokenLength = 16;

    /// <summary>The address to bind; 127.0.0.1 by default.</summary>
    public string Host { get; init; } = DefaultHost;

    /// <summary>The TCP port; 8080 by default. 0 picks a free port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Longest time one request may take; 300 seconds by default.</summary>
    public int RequestTimeoutSeconds { get; init; } = DefaultRequestTimeoutSeconds;

    /// <summary>Longest quiet gap between chunks of a streamed reply; 60 seconds by default.</summary>
    public int IdleTimeoutSeconds { get; init; } = DefaultIdleTimeoutSeconds;

    /// <summary>Interval of SSE keep-alive comments; 15 seconds by default.</summary>
    public int KeepAliveIntervalSeconds { get; init; } = DefaultKeepAliveIntervalSeconds;

    /// <summary>Bearer token for <c>/api/admin/*</c>; none by default (admin calls from loopback only).</summary>
    public string? AdminToken { get; init; }

    /// <summary>Bearer token for <c>/api/v1/*</c>; none by default (API calls from loopback only).</summary>
    public string? ApiToken { get; init; }

    /// <summary>Concurrent connection cap; 1024 by default.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>Request body limit in bytes; 2 MiB (2097152) by default.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>
    /// Web origins (<c>scheme://host[:port]</c>) whose pages may call the API from a browser: CORS is answered for
    /// them only, and a token-less server accepts their <c>Origin</c>. None by default (every cross-origin browser
    /// request and CORS preflight is refused).
    /// </summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Lifetime of a stream token issued by <c>POST /api/v1/sessions/{id}/stream-token</c>; 60 seconds by default.</summary>
    public int StreamTokenSeconds { get; init; } = DefaultStreamTokenSeconds;

    /// <summary>
    /// Allow binding a non-loopback address without <see cref="ApiToken"/>; false by default, in which case the
    /// server refuses to start (see <see cref="GetExposureProblem"/>).
    /// </summary>
    public bool AllowUnauthenticatedRemote { get; init; }

    /// <summary>True when <see cref="Host"/> is a loopback address or <c>localhost</c>.</summary>
    public bool IsLoopback => IsLoopbackHost(Host);

    /// <summary>
    /// The reason the server must not start with these settings, or null. Call it after command-line overrides
    /// (<c>--host</c>) are applied: a non-loopback bind needs an <see cref="ApiToken"/> unless
    /// <see cref="AllowUnauthenticatedRemote"/> is true.
    /// </summary>
    public string? GetExposureProblem()
    {
        if (IsLoopback || !string.IsNullOrEmpty(ApiToken) || AllowUnauthenticatedRemote)
        {
            return null;
        }

        return $"server.host is '{Host}', which is reachable from other machines, but no server.api_token is set. " +
            "Set server.api_token (for example api_token: ${DURAGENT_API_TOKEN}), bind 127.0.0.1, " +
            "or set server.allow_unauthenticated_remote: true if something else guards the network.";
    }

    /// <summary>True for <c>localhost</c> and loopback IP addresses (127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.x.y.z).</summary>
    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var trimmed = host.Trim().Trim('[', ']');
        if (string.Equals(trimmed, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(trimmed, out var address) && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    // Tokens never reach logs: the generated ToString prints them redacted.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Host = ").Append(Host)
            .Append(", Port = ").Append(Port)
            .Append(", RequestTimeoutSeconds = ").Append(RequestTimeoutSeconds)
            .Append(", IdleTimeoutSeconds = ").Append(IdleTimeoutSeconds)
            .Append(", KeepAliveIntervalSeconds = ").Append(KeepAliveIntervalSeconds)
            .Append(", AdminToken = ").Append(Redact(AdminToken))
            .Append(", ApiToken = ").Append(Redact(ApiToken))
            .Append(", MaxConnections = ").Append(MaxConnections)
            .Append(", MaxBodyBytes = ").Append(MaxBodyBytes)
            .Append(", CorsOrigins = [").Append(string.Join(", ", CorsOrigins)).Append(']')
            .Append(", StreamTokenSeconds = ").Append(StreamTokenSeconds)
            .Append(", AllowUnauthenticatedRemote = ").Append(AllowUnauthenticatedRemote);
        return true;
    }

    internal static string Redact(string? secret) => secret is null ? "(none)" : "***";
}
