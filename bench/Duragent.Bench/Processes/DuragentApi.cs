using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Duragent.Bench.Processes;

/// <summary>The few calls of the HTTP API the process benchmarks make, on one pooled client.</summary>
internal sealed class DuragentApi : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="tokenFile">The generated API token of the server (<c>.duragent/run/api-token</c>), read at every
    /// request; servers from before the token ignore the header.</param>
    public DuragentApi(Uri baseUrl, int maxConnections = 256, string? tokenFile = null)
    {
        var sockets = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        _http = new HttpClient(tokenFile is null ? sockets : new TokenHandler(tokenFile) { InnerHandler = sockets })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public HttpClient Http => _http;

    /// <summary>POST /api/v1/sessions with the bench agent; returns the session id.</summary>
    public async Task<string> CreateSessionAsync(string? sessionId = null, CancellationToken cancellationToken = default)
    {
        var body = sessionId is null ? $"{{\"agent\":\"{BenchWorkspace.AgentName}\"}}" : $"{{\"agent\":\"{BenchWorkspace.AgentName}\",\"session_id\":\"{sessionId}\"}}";
        using var response = await _http.PostAsync("api/v1/sessions", Json(body), cancellationToken);
        using var document = await ReadAsync(response, HttpStatusCode.Created, "create a session", cancellationToken);
        return document.RootElement.GetProperty("session_id").GetString()!;
    }

    /// <summary>POST …/messages (acknowledged once durable); returns the message's seq.</summary>
    public async Task<long> SendAsync(string sessionId, string content, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync($"api/v1/sessions/{sessionId}/messages", Json($"{{\"content\":\"{JsonEncodedText.Encode(content)}\"}}"), cancellationToken);
        using var document = await ReadAsync(response, HttpStatusCode.Accepted, "send a message", cancellationToken);
        return document.RootElement.GetProperty("seq").GetInt64();
    }

    /// <summary>GET /api/v1/sessions/{id}: (status, message_count, last_seq).</summary>
    public async Task<(string Status, int Messages, long LastSeq)> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"api/v1/sessions/{sessionId}", cancellationToken);
        using var document = await ReadAsync(response, HttpStatusCode.OK, "read a session", cancellationToken);
        var root = document.RootElement;
        return (root.GetProperty("status").GetString()!, root.GetProperty("message_count").GetInt32(), root.GetProperty("last_seq").GetInt64());
    }

    /// <summary>Polls the session until its turn has settled (not running) with at least <paramref name="messages"/> messages.</summary>
    public async Task WaitSettledAsync(string sessionId, int messages, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var (status, count, _) = await GetSessionAsync(sessionId, cancellationToken);
            if (status != "running" && count >= messages)
            {
                if (status != "active")
                {
                    throw new InvalidOperationException($"session {sessionId} settled as '{status}', expected 'active'");
                }

                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"session {sessionId} did not settle within {timeout.TotalSeconds:0} s (status {status}, {count} messages)");
            }

            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
        }
    }

    public void Dispose() => _http.Dispose();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text);
    }
}

/// <summary>Sends the server's generated API token, read from its runtime folder, with every request.</summary>
internal sealed class TokenHandler(string tokenFile) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization is null && File.Exists(tokenFile))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(tokenFile).Trim());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
