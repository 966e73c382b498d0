namespace Duragent.FakeLlm;

/// <summary>What a failure script does to the stream.</summary>
public enum FakeStreamFault
{
    /// <summary>The stream completes normally.</summary>
    None,

    /// <summary>The TCP connection is aborted (the client sees a broken chunked body).</summary>
    Disconnect,

    /// <summary>The body ends cleanly, without a finish reason, <c>message_stop</c> or <c>[DONE]</c>.</summary>
    End,

    /// <summary>Nothing more is sent, and the connection stays open until the client gives up.</summary>
    Hang,

    /// <summary>An error event/chunk is sent, then the body ends.</summary>
    Error,
}

/// <summary>
/// One scripted answer of the fake server. The same script renders in either wire format, chosen by the path of the
/// request it answers. Immutable: every <c>With…</c> returns a copy.
/// <code>
/// llm.Enqueue(FakeResponse.Text("Hello", " world").WithChunkDelay(TimeSpan.FromMilliseconds(5)));
/// llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"comm", "and\":\"ls\"}")));
/// llm.Enqueue(FakeResponse.RateLimited(TimeSpan.FromSeconds(1)));
/// llm.Enqueue(FakeResponse.Text("a", "b", "c").DisconnectAfter(2));
/// </code>
/// A "chunk" below is one content delta: a text piece or a tool-argument fragment (the opening role/start frames and
/// the closing frames are not counted).
/// </summary>
public sealed record FakeResponse
{
    private FakeResponse()
    {
    }

    /// <summary>The HTTP status; 200 for a stream.</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>The text pieces, streamed in order before any tool call.</summary>
    public IReadOnlyList<string> TextChunks { get; init; } = [];

    /// <summary>The tool calls, streamed after the text.</summary>
    public IReadOnlyList<FakeToolCall> Calls { get; init; } = [];

    /// <summary>Reported input tokens; null estimates them from the request body (bytes / 4).</summary>
    public int? InputTokens { get; init; }

    /// <summary>Reported output tokens; null counts the chunks.</summary>
    public int? OutputTokens { get; init; }

    /// <summary>
    /// The finish reason in neutral words: <c>stop</c>, <c>tool_calls</c>, <c>length</c>, <c>content_filter</c> (mapped
    /// to Anthropic's <c>end_turn</c>, <c>tool_use</c>, <c>max_tokens</c>, <c>refusal</c>); any other value is sent as is.
    /// Null: <c>tool_calls</c> when there are calls, else <c>stop</c>.
    /// </summary>
    public string? FinishReason { get; init; }

    /// <summary>Delay before each chunk.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>
    /// Called with a content chunk's index (from 0) right before the chunk is written to the socket, after
    /// <see cref="ChunkDelay"/>: the moment a benchmark times delivery from.
    /// </summary>
    public Action<int>? ChunkWriting { get; init; }

    /// <summary>The fault, if any, and after how many chunks it strikes.</summary>
    public FakeStreamFault Fault { get; init; }

    /// <summary>Chunks sent before <see cref="Fault"/>.</summary>
    public int FaultAfterChunks { get; init; }

    /// <summary>For <see cref="FakeStreamFault.Error"/> and error statuses: the provider error type.</summary>
    public string? ErrorType { get; init; }

    /// <summary>For <see cref="FakeStreamFault.Error"/> and error statuses: the provider error message.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>A gate the stream waits at, and after how many chunks.</summary>
    public FakeGate? Gate { get; init; }

    /// <summary>Chunks sent before waiting at <see cref="Gate"/>.</summary>
    public int GateAfterChunks { get; init; }

    /// <summary>Never send the response headers: the request hangs until the client gives up.</summary>
    public bool HangBeforeHeaders { get; init; }

    /// <summary>Extra response headers (e.g. <c>Retry-After</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>A body sent verbatim instead of a rendered one (status responses only).</summary>
    public string? RawBody { get; init; }

    /// <summary>SSE frames sent verbatim instead of a rendered stream (each flushed on its own).</summary>
    public IReadOnlyList<string>? RawFrames { get; init; }

    /// <summary>Total chunks this script streams when nothing goes wrong.</summary>
    public int ChunkCount => TextChunks.Count + Calls.Sum(c => c.ArgumentFragments.Count);

    /// <summary>A streamed text answer in the given pieces.</summary>
    public static FakeResponse Text(params string[] chunks) => new() { TextChunks = chunks };

    /// <summary>An answer that calls tools (no text).</summary>
    public static FakeResponse ToolCalls(params FakeToolCall[] calls) => new() { Calls = calls };

    /// <summary>An error answer with <paramref name="statusCode"/>, its body in the endpoint's error format.</summary>
    public static FakeResponse Status(int statusCode, string? message = null, string? errorType = null) =>
        new() { StatusCode = statusCode, ErrorMessage = message ?? $"fake error {statusCode}", ErrorType = errorType };

    /// <summary>HTTP 429 with <c>Retry-After</c> in whole seconds (none when <paramref name="retryAfter"/> is null).</summary>
    public static FakeResponse RateLimited(TimeSpan? retryAfter = null)
    {
        var response = Status(429, "Rate limit reached for requests", "rate_limit_exceeded");
        return retryAfter is { } wait
            ? response.WithHeader("Retry-After", ((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture))
            : response;
    }

    /// <summary>HTTP 429 with <c>Retry-After</c> as an HTTP date.</summary>
    public static FakeResponse RateLimitedUntil(DateTimeOffset until) =>
        Status(429, "Rate limit reached for requests", "rate_limit_exceeded").WithHeader("Retry-After", until.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A 5xx answer (500 by default; 529 is Anthropic's "overloaded").</summary>
    public static FakeResponse ServerError(int statusCode = 500) =>
        Status(statusCode, statusCode == 529 ? "Overloaded" : "The server had an error while processing your request.", statusCode == 529 ? "overloaded_error" : "server_error");

    /// <summary>A request that is never answered, not even with headers.</summary>
    public static FakeResponse Hang() => new() { HangBeforeHeaders = true };

    /// <summary>A verbatim answer (any status, content type <c>application/json</c>).</summary>
    public static FakeResponse Raw(int statusCode, string body) => new() { StatusCode = statusCode, RawBody = body };

    /// <summary>
    /// A 200 <c>text/event-stream</c> answer made of <paramref name="frames"/> exactly as given (include the
    /// <c>data: </c> prefixes and blank lines): for malformed or unusual streams.
    /// </summary>
    public static FakeResponse RawStream(params string[] frames) => new() { RawFrames = frames };

    /// <summary>Adds text pieces (streamed before the tool calls).</summary>
    public FakeResponse WithText(params string[] chunks) => this with { TextChunks = [.. TextChunks, .. chunks] };

    /// <summary>Adds a tool call.</summary>
    public FakeResponse WithToolCall(string name, params string[] argumentFragments) =>
        this with { Calls = [.. Calls, FakeToolCall.Create(name, argumentFragments)] };

    /// <summary>Adds tool calls.</summary>
    public FakeResponse WithToolCalls(params FakeToolCall[] calls) => this with { Calls = [.. Calls, .. calls] };

    /// <summary>Reports these token counts.</summary>
    public FakeResponse WithUsage(int inputTokens, int outputTokens) => this with { InputTokens = inputTokens, OutputTokens = outputTokens };

    /// <summary>Waits <paramref name="delay"/> before each chunk.</summary>
    public FakeResponse WithChunkDelay(TimeSpan delay) => this with { ChunkDelay = delay };

    /// <summary>Calls <paramref name="observer"/> with each content chunk's index right before the chunk is written.</summary>
    public FakeResponse WithChunkObserver(Action<int> observer) => this with { ChunkWriting = observer };

    /// <summary>Sends this finish reason (neutral words, see <see cref="FinishReason"/>).</summary>
    public FakeResponse WithFinishReason(string reason) => this with { FinishReason = reason };

    /// <summary>Adds a response header.</summary>
    public FakeResponse WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };

    /// <summary>
    /// Waits at <paramref name="gate"/> after <paramref name="afterChunks"/> chunks until it is released. The chunks
    /// before it are on the socket when the gate reports "reached", so a test that then aborts the connection knows
    /// the client can see them.
    /// </summary>
    public FakeResponse WithGate(FakeGate gate, int afterChunks = 0) => this with { Gate = gate, GateAfterChunks = afterChunks };

    /// <summary>Aborts the connection after <paramref name="chunks"/> chunks (the chunks before it are on the socket by then).</summary>
    public FakeResponse DisconnectAfter(int chunks) => this with { Fault = FakeStreamFault.Disconnect, FaultAfterChunks = chunks };

    /// <summary>Ends the body cleanly after <paramref name="chunks"/> chunks, without any finish marker.</summary>
    public FakeResponse EndAfter(int chunks) => this with { Fault = FakeStreamFault.End, FaultAfterChunks = chunks };

    /// <summary>Stops sending after <paramref name="chunks"/> chunks and keeps the connection open.</summary>
    public FakeResponse HangAfter(int chunks) => this with { Fault = FakeStreamFault.Hang, FaultAfterChunks = chunks };

    /// <summary>
    /// Sends a provider error inside the stream after <paramref name="chunks"/> chunks (Anthropic <c>event: error</c>,
    /// OpenAI a chunk with an <c>error</c> object), then ends the body.
    /// </summary>
    public FakeResponse ErrorAfter(int chunks, string errorType = "overloaded_error", string message = "Overloaded") =>
        this with { Fault = FakeStreamFault.Error, FaultAfterChunks = chunks, ErrorType = errorType, ErrorMessage = message };
}
