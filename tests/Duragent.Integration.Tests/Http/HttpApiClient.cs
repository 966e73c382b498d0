using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Integration.Tests.Http;

/// <summary>
/// A typed client of the Duragent HTTP API (one server), for tests: an independent HTTP/SSE client of the gateway
/// (the CLI itself is an Orleans client). It sends <c>Authorization: Bearer</c> with the API token on
/// <c>/api/v1</c> and the admin token on <c>/api/admin/v1</c>, turns problem+json answers into
/// <see cref="DuragentApiException"/> and unreachable servers into <see cref="HttpServerUnavailableException"/>, and
/// reads the live stream with the BCL's <see cref="SseParser"/>, reconnecting with <c>Last-Event-ID</c>.
/// </summary>
internal sealed class HttpApiClient : IDisposable
{
    /// <summary>How long an ordinary request may take: 30 seconds by default.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    private const string ApiPrefix = "api/v1/";
    private const string AdminPrefix = "api/admin/v1/";

    private readonly HttpClient _http;
    private readonly HttpCredentials _credentials;

    public HttpApiClient(Uri baseUrl, HttpCredentials? credentials = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _credentials = credentials ?? HttpCredentials.None;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }, disposeHandler: handler is null)
        {
            BaseAddress = BaseUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("duragent-cli", "tests"));
    }

    /// <summary>The server's base URL (ends with a slash).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Per-request limit for everything except the event stream; 30 seconds by default.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    // ------------------------------------------------------------------ health

    /// <summary><c>GET /readyz</c>: ready, with the workspace hash and the server's pid.</summary>
    public Task<HealthStatus> GetReadinessAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "readyz", null, HttpApiJsonContext.Default.HealthStatus, authorize: null, cancellationToken);

    /// <summary><c>GET /livez</c>: true when the process answers HTTP at all.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await SendRawAsync(HttpMethod.Get, "livez", null, null, cancellationToken);
            return true;
        }
        catch (HttpServerUnavailableException)
        {
            return false;
        }
    }

    /// <summary><c>GET /version</c>.</summary>
    public Task<ServerVersion> GetVersionAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "version", null, HttpApiJsonContext.Default.ServerVersion, authorize: null, cancellationToken);

    // ------------------------------------------------------------------ agents

    public async Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Get, ApiPrefix + "agents", null, HttpApiJsonContext.Default.AgentList, _credentials.ApiToken, cancellationToken)).Agents;

    public Task<AgentDetail> GetAgentAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ApiPrefix + "agents/" + Segment(name), null, HttpApiJsonContext.Default.AgentDetail, _credentials.ApiToken, cancellationToken);

    // ------------------------------------------------------------------ sessions

    public Task<SessionInfo> CreateSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ApiPrefix + "sessions", Json(request, HttpApiJsonContext.Default.CreateSessionRequest), HttpApiJsonContext.Default.SessionInfo, _credentials.ApiToken, cancellationToken);

    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Get, ApiPrefix + "sessions", null, HttpApiJsonContext.Default.SessionList, _credentials.ApiToken, cancellationToken)).Sessions;

    public Task<SessionInfo> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, SessionPath(sessionId), null, HttpApiJsonContext.Default.SessionInfo, _credentials.ApiToken, cancellationToken);

    public Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, SessionPath(sessionId), null, _credentials.ApiToken, cancellationToken);

    /// <summary>A page of the conversation (<c>GET …/messages</c>).</summary>
    public Task<MessagePage> GetMessagesAsync(string sessionId, MessageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var url = new StringBuilder(SessionPath(sessionId)).Append("/messages?limit=").Append(query.Limit.ToString(CultureInfo.InvariantCulture))
            .Append("&order=").Append(query.NewestFirst ? "newest" : "oldest")
            .Append("&include_tools=").Append(query.IncludeTools ? "true" : "false");
        if (query.BeforeSeq is { } before)
        {
            url.Append("&before=").Append(before.ToString(CultureInfo.InvariantCulture));
        }

        if (query.AfterSeq is { } after)
        {
            url.Append("&after=").Append(after.ToString(CultureInfo.InvariantCulture));
        }

        return SendAsync(HttpMethod.Get, url.ToString(), null, HttpApiJsonContext.Default.MessagePage, _credentials.ApiToken, cancellationToken);
    }

    /// <summary>Sends a message; it is durable when this returns (202).</summary>
    public Task<MessageAccepted> SendMessageAsync(string sessionId, string content, string? clientMessageId = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/messages", Json(new PostMessageRequest(content, clientMessageId), HttpApiJsonContext.Default.PostMessageRequest),
            HttpApiJsonContext.Default.MessageAccepted, _credentials.ApiToken, cancellationToken);

    /// <summary>
    /// Sends a message and waits for the turn that answers it to end or park (<c>POST …/messages?wait=true</c>); the
    /// wait is bounded by the server's request timeout and <see cref="RequestTimeout"/>, so set that long enough.
    /// </summary>
    public Task<TurnResult> SendMessageAndWaitAsync(string sessionId, string content, string? clientMessageId = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/messages?wait=true", Json(new PostMessageRequest(content, clientMessageId), HttpApiJsonContext.Default.PostMessageRequest),
            HttpApiJsonContext.Default.TurnResult, _credentials.ApiToken, cancellationToken);

    /// <summary>Stored events with a seq above <paramref name="afterSeq"/> (<c>GET …/events</c>).</summary>
    public async Task<EventPage> GetEventsAsync(string sessionId, long afterSeq, int limit = 500, CancellationToken cancellationToken = default)
    {
        var path = $"{SessionPath(sessionId)}/events?after={afterSeq.ToString(CultureInfo.InvariantCulture)}&limit={limit.ToString(CultureInfo.InvariantCulture)}";
        var root = await SendAsync(HttpMethod.Get, path, null, HttpApiJsonContext.Default.JsonElement, _credentials.ApiToken, cancellationToken);
        var events = new List<SessionEventEnvelope>();
        if (root.TryGetProperty("events", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                events.Add(SessionJson.DeserializeEnvelope(Encoding.UTF8.GetBytes(item.GetRawText())));
            }
        }

        var next = root.TryGetProperty("next_after", out var nextAfter) && nextAfter.ValueKind == JsonValueKind.Number
            ? nextAfter.GetInt64()
            : events.Count > 0 ? events[^1].Seq : afterSeq;
        var hasMore = root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True;
        return new EventPage(events, next, hasMore);
    }

    /// <summary>Decides the pending approval <paramref name="callId"/>.</summary>
    public Task<SessionInfo> DecideApprovalAsync(string sessionId, string callId, ApprovalChoice decision, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/approvals", Json(new ApprovalRequest(callId, decision), HttpApiJsonContext.Default.ApprovalRequest),
            HttpApiJsonContext.Default.SessionInfo, _credentials.ApiToken, cancellationToken);

    /// <summary>Cancels the running turn; false when none was running.</summary>
    public async Task<bool> CancelTurnAsync(string sessionId, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/cancel", EmptyJson(), HttpApiJsonContext.Default.CancelResult, _credentials.ApiToken, cancellationToken)).Cancelled;

    /// <summary>Resumes a paused turn; returns the session as it is after the resume was recorded.</summary>
    public Task<SessionInfo> ResumeAsync(string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/resume", EmptyJson(), HttpApiJsonContext.Default.SessionInfo, _credentials.ApiToken, cancellationToken);

    // ------------------------------------------------------------------ admin

    /// <summary><c>POST /api/admin/v1/shutdown</c> (admin token).</summary>
    public Task<ShutdownStatus> ShutdownAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, AdminPrefix + "shutdown", EmptyJson(), HttpApiJsonContext.Default.ShutdownStatus, _credentials.AdminToken, cancellationToken);

    /// <summary><c>POST /api/admin/v1/reload</c> (admin token): reads every agent again.</summary>
    public Task<ReloadResult> ReloadAgentsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, AdminPrefix + "reload", EmptyJson(), HttpApiJsonContext.Default.ReloadResult, _credentials.AdminToken, cancellationToken);

    // ------------------------------------------------------------------ stream

    /// <summary>
    /// The session's events from <see cref="HttpStreamOptions.AfterSeq"/> on, replayed then live, without gaps or
    /// duplicates across reconnections. A dropped connection (or a transient 5xx) is reopened with
    /// <c>Last-Event-ID</c> set to the last seq received; 4xx answers end the enumeration with
    /// <see cref="DuragentApiException"/>.
    /// </summary>
    public async IAsyncEnumerable<SessionEventEnvelope> StreamEventsAsync(string sessionId, HttpStreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var after = options.AfterSeq;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception? failure = null;
            HttpResponseMessage? response = null;
            try
            {
                response = await OpenStreamAsync(sessionId, after, options.Attach, cancellationToken);
            }
            catch (HttpServerUnavailableException ex)
            {
                failure = ex;
            }
            catch (DuragentApiException ex) when (ex.IsTransient)
            {
                failure = ex;
            }

            if (response is not null)
            {
                using (response)
                {
                    if (failures > 0)
                    {
                        options.OnReconnected?.Invoke();
                    }

                    failures = 0;
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var items = SseParser.Create(body, static (_, data) => data.ToArray()).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                    try
                    {
                        while (failure is null)
                        {
                            bool more;
                            try
                            {
                                more = await items.MoveNextAsync();
                            }
                            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                            {
                                failure = ex;
                                break;
                            }

                            if (!more)
                            {
                                failure = new IOException("The server closed the event stream.");
                                break;
                            }

                            var envelope = TryReadEnvelope(items.Current.Data);
                            if (envelope is null || envelope.Seq <= after)
                            {
                                continue;
                            }

                            after = envelope.Seq;
                            yield return envelope;
                        }
                    }
                    finally
                    {
                        await items.DisposeAsync();
                    }
                }
            }

            failure ??= new IOException("The event stream ended.");
            failures++;
            if (options.MaxReconnectAttempts is { } max && failures > max)
            {
                throw new IOException($"The event stream of session '{sessionId}' dropped and {max} reconnection attempts failed: {failure.Message}", failure);
            }

            options.OnDisconnected?.Invoke(failure, failures);
            var delay = TimeSpan.FromMilliseconds(Math.Min(
                options.MaxRetryDelay.TotalMilliseconds,
                options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16))));
            await Task.Delay(delay, cancellationToken);
            if (options.BeforeReconnectAsync is { } beforeReconnect)
            {
                try
                {
                    await beforeReconnect(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    options.OnDisconnected?.Invoke(ex, failures);
                }
            }
        }
    }

    public void Dispose() => _http.Dispose();

    // ------------------------------------------------------------------ plumbing

    private static SessionEventEnvelope? TryReadEnvelope(byte[] data)
    {
        try
        {
            return SessionJson.DeserializeEnvelope(data);
        }
        catch (JsonException)
        {
            // Not a session event (a server-side notice); the stream goes on.
            return null;
        }
    }

    private async Task<HttpResponseMessage> OpenStreamAsync(string sessionId, long afterSeq, bool attach, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{SessionPath(sessionId)}/stream?attach={(attach ? "true" : "false")}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (afterSeq > 0)
        {
            request.Headers.Add("Last-Event-ID", afterSeq.ToString(CultureInfo.InvariantCulture));
        }

        Authorize(request, _credentials.ApiToken);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            request.Dispose();
            throw new HttpServerUnavailableException(BaseUrl, ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                request.Dispose();
                throw await ToExceptionAsync(response, cancellationToken);
            }
        }

        return response;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo, string? authorize, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, authorize, cancellationToken);
        using var timeout = LinkedTimeout(cancellationToken);
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return JsonSerializer.Deserialize(body, typeInfo)
                ?? throw new DuragentApiException(response.StatusCode, null, $"The server sent an empty answer to {method} /{path}.");
        }
        catch (JsonException ex)
        {
            throw new DuragentApiException(response.StatusCode, null, $"The server's answer to {method} /{path} is not the JSON expected: {ex.Message}");
        }
    }

    private async Task SendAsync(HttpMethod method, string path, HttpContent? content, string? authorize, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, authorize, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, string? authorize, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        Authorize(request, authorize);
        using var timeout = LinkedTimeout(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new HttpServerUnavailableException(BaseUrl, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpServerUnavailableException(BaseUrl, new TimeoutException($"{method} /{path} took longer than {RequestTimeout.TotalSeconds:0} s.", ex));
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
        }

        return response;
    }

    private static async Task<DuragentApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = string.Empty;
        }

        ProblemBody? problem = null;
        if (text.Length > 0 && text.TrimStart().StartsWith('{'))
        {
            try
            {
                problem = JsonSerializer.Deserialize(text, HttpApiJsonContext.Default.ProblemBody);
            }
            catch (JsonException)
            {
                problem = null;
            }
        }

        var detail = problem?.Detail ?? problem?.Title ?? (text.Length is > 0 and <= 500 ? text.Trim() : null);
        var message = status switch
        {
            HttpStatusCode.Unauthorized => "The server refused the request (401 Unauthorized): set DURAGENT_API_TOKEN or server.api_token to the server's API token." + Suffix(detail),
            HttpStatusCode.Forbidden => "The server refused the request (403 Forbidden): set DURAGENT_ADMIN_TOKEN or server.admin_token for admin calls, or DURAGENT_API_TOKEN for API calls." + Suffix(detail),
            _ => detail ?? $"The server answered {(int)status} {response.ReasonPhrase}.",
        };
        if (problem?.Errors is { Count: > 0 } errors)
        {
            message += Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
        }

        return new DuragentApiException(status, problem?.Code, message);
    }

    private static string Suffix(string? detail) => detail is null ? string.Empty : $" ({detail})";

    private static void Authorize(HttpRequestMessage request, string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private CancellationTokenSource LinkedTimeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(RequestTimeout);
        }

        return source;
    }

    private static string SessionPath(string sessionId) => ApiPrefix + "sessions/" + Segment(sessionId);

    private static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return Uri.EscapeDataString(value);
    }

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static ByteArrayContent EmptyJson()
    {
        var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }
}
