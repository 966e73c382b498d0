using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Duragent.Llm;

/// <summary>
/// Decodes Anthropic's streaming events: <c>message_start</c> (input tokens), <c>content_block_start</c> (text or
/// <c>tool_use</c> id and name), <c>content_block_delta</c> (<c>text_delta</c>, <c>input_json_delta</c>),
/// <c>content_block_stop</c>, <c>message_delta</c> (stop reason, output tokens), <c>message_stop</c>, <c>ping</c>, and
/// <c>error</c> (mapped to a typed <see cref="LlmHttpException"/>). Thinking blocks and unknown events are ignored.
/// </summary>
internal sealed class AnthropicStreamDecoder(string provider) : IStreamDecoder
{
    private readonly StringBuilder _text = new();
    private readonly SortedDictionary<int, PendingToolUse> _toolUses = [];
    private string? _stopReason;
    private int _inputTokens;
    private int _outputTokens;
    private bool _sawUsage;

    public string Text => _text.ToString();

    public int Chunks { get; private set; }

    public bool IsTerminated { get; private set; }

    public bool HasFinished => _stopReason is not null;

    public LlmTextDelta? Process(SseItem<string> item)
    {
        if (string.IsNullOrWhiteSpace(item.Data))
        {
            return null;
        }

        Chunks++;
        using var document = JsonDocument.Parse(item.Data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected a JSON object, got {root.ValueKind}");
        }

        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : item.EventType;
        switch (type)
        {
            case "message_start":
                if (root.TryGetProperty("message", out var message) && message.TryGetProperty("usage", out var startUsage))
                {
                    ReadUsage(startUsage);
                }

                return null;
            case "content_block_start":
                return StartBlock(root);
            case "content_block_delta":
                return Delta(root);
            case "message_delta":
                if (root.TryGetProperty("delta", out var messageDelta)
                    && messageDelta.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.String)
                {
                    _stopReason = stop.GetString();
                }

                if (root.TryGetProperty("usage", out var deltaUsage))
                {
                    ReadUsage(deltaUsage);
                }

                return null;
            case "message_stop":
                IsTerminated = true;
                return null;
            case "error":
                throw StreamError(root);
            default:
                // ping, content_block_stop and event types added later need nothing from us.
                return null;
        }
    }

    public LlmCompleted Complete()
    {
        var calls = new List<ToolCall>(_toolUses.Count);
        foreach (var use in _toolUses.Values)
        {
            var arguments = use.Json.Length > 0 ? use.Json.ToString() : use.InitialInput;
            calls.Add(new ToolCall(use.Id, use.Name, arguments));
        }

        var reason = _stopReason switch
        {
            "end_turn" or "stop_sequence" => LlmFinishReason.Stop,
            "tool_use" => LlmFinishReason.ToolCalls,
            "max_tokens" => LlmFinishReason.Length,
            "refusal" => LlmFinishReason.ContentFilter,
            null => calls.Count > 0 ? LlmFinishReason.ToolCalls : LlmFinishReason.Stop,
            _ => LlmFinishReason.Other,
        };
        var usage = _sawUsage ? new LlmUsage(_inputTokens, _outputTokens, _inputTokens + _outputTokens) : null;
        return new LlmCompleted(_text.ToString(), calls, usage, reason, _stopReason);
    }

    private LlmTextDelta? StartBlock(JsonElement root)
    {
        var index = Index(root);
        if (!root.TryGetProperty("content_block", out var block))
        {
            return null;
        }

        switch (String(block, "type"))
        {
            case "text":
                return AppendText(String(block, "text"));
            case "tool_use":
                var initial = block.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object
                    ? input.GetRawText()
                    : "{}";
                _toolUses[index] = new PendingToolUse(String(block, "id") ?? $"toolu_{index}", String(block, "name") ?? string.Empty, initial);
                return null;
            default:
                // thinking, redacted_thinking, server tool blocks: not ours to show.
                return null;
        }
    }

    private LlmTextDelta? Delta(JsonElement root)
    {
        if (!root.TryGetProperty("delta", out var delta))
        {
            return null;
        }

        switch (String(delta, "type"))
        {
            case "text_delta":
                return AppendText(String(delta, "text"));
            case "input_json_delta":
                if (_toolUses.TryGetValue(Index(root), out var use))
                {
                    use.Json.Append(String(delta, "partial_json"));
                }

                return null;
            default:
                return null;
        }
    }

    private LlmTextDelta? AppendText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        _text.Append(text);
        return new LlmTextDelta(text);
    }

    private void ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _sawUsage = true;
        var input = Int(usage, "input_tokens") + Int(usage, "cache_creation_input_tokens") + Int(usage, "cache_read_input_tokens");
        if (input > 0)
        {
            _inputTokens = input;
        }

        if (usage.TryGetProperty("output_tokens", out _))
        {
            // message_delta's output_tokens is the running total, not an increment.
            _outputTokens = Int(usage, "output_tokens");
        }
    }

    private LlmHttpException StreamError(JsonElement root)
    {
        var (message, type) = ProviderErrorBody.FromJson(root) ?? (null, null);
        var status = type switch
        {
            "invalid_request_error" => 400,
            "authentication_error" => 401,
            "permission_error" => 403,
            "not_found_error" => 404,
            "request_too_large" => 413,
            "rate_limit_error" => 429,
            "timeout_error" => 504,
            "overloaded_error" => 529,
            _ => 500,
        };
        var text = $"{provider} sent an error event after {Chunks} chunks: {type ?? "error"}: {message ?? "no message"}";
        return status == 429
            ? new LlmRateLimitedException(text, message, type, null) { Provider = provider, PartialText = Text }
            : new LlmHttpException(text, status, message, type) { Provider = provider, PartialText = Text };
    }

    private static int Index(JsonElement root) =>
        root.TryGetProperty("index", out var index) && index.ValueKind == JsonValueKind.Number ? index.GetInt32() : 0;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : 0;

    private sealed class PendingToolUse(string id, string name, string initialInput)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string InitialInput { get; } = initialInput;

        public StringBuilder Json { get; } = new();
    }
}
