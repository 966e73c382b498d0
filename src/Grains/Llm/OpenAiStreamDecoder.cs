using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Duragent.Llm;

/// <summary>
/// Decodes OpenAI chat completion chunks: text from <c>choices[0].delta.content</c>, tool calls reassembled by
/// <c>index</c> from <c>delta.tool_calls</c> fragments (id and name in the first, arguments concatenated), the finish
/// reason, usage from the final (empty-choices) chunk, and <c>[DONE]</c>. An <c>error</c> object in a chunk
/// (OpenRouter does that mid-stream) becomes an <see cref="LlmHttpException"/>.
/// </summary>
internal sealed class OpenAiStreamDecoder(string provider) : IStreamDecoder
{
    private readonly StringBuilder _text = new();
    private readonly SortedDictionary<int, PendingCall> _calls = [];
    private string? _finishReason;
    private LlmUsage? _usage;

    public string Text => _text.ToString();

    public int Chunks { get; private set; }

    public bool IsTerminated { get; private set; }

    public bool HasFinished => _finishReason is not null;

    public LlmTextDelta? Process(SseItem<string> item)
    {
        var data = item.Data.AsSpan().Trim();
        if (data.Length == 0)
        {
            return null;
        }

        Chunks++;
        if (data.SequenceEqual("[DONE]"))
        {
            IsTerminated = true;
            return null;
        }

        using var document = JsonDocument.Parse(item.Data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected a JSON object, got {root.ValueKind}");
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            throw StreamError(root);
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            var input = Int(usage, "prompt_tokens");
            var output = Int(usage, "completion_tokens");
            _usage = new LlmUsage(input, output, usage.TryGetProperty("total_tokens", out _) ? Int(usage, "total_tokens") : input + output);
        }

        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? delta = null;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.TryGetProperty("index", out var choiceIndex) && choiceIndex.ValueKind == JsonValueKind.Number && choiceIndex.GetInt32() != 0)
            {
                continue;
            }

            if (choice.TryGetProperty("delta", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                if (d.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    var text = content.GetString();
                    if (!string.IsNullOrEmpty(text))
                    {
                        _text.Append(text);
                        delta = delta is null ? text : delta + text;
                    }
                }

                if (d.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
                {
                    AddToolCallFragments(toolCalls);
                }
            }

            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                _finishReason = finish.GetString();
                if (_finishReason == "error")
                {
                    throw StreamError(root);
                }
            }
        }

        return delta is null ? null : new LlmTextDelta(delta);
    }

    public LlmCompleted Complete()
    {
        var calls = new List<ToolCall>(_calls.Count);
        foreach (var (index, call) in _calls)
        {
            if (call.Name.Length == 0)
            {
                continue;
            }

            // Some compatible servers send no ids; the conversation still needs one to pair results with calls.
            var id = call.Id is { Length: > 0 } given ? given : $"call_{index}";
            var arguments = call.Arguments.Length == 0 ? "{}" : call.Arguments.ToString();
            calls.Add(new ToolCall(id, call.Name, arguments));
        }

        var reason = _finishReason switch
        {
            "stop" => LlmFinishReason.Stop,
            "tool_calls" or "function_call" => LlmFinishReason.ToolCalls,
            "length" => LlmFinishReason.Length,
            "content_filter" => LlmFinishReason.ContentFilter,
            null => calls.Count > 0 ? LlmFinishReason.ToolCalls : LlmFinishReason.Stop,
            _ => LlmFinishReason.Other,
        };
        return new LlmCompleted(_text.ToString(), calls, _usage, reason, _finishReason);
    }

    private void AddToolCallFragments(JsonElement toolCalls)
    {
        var position = 0;
        foreach (var fragment in toolCalls.EnumerateArray())
        {
            var index = fragment.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number
                ? i.GetInt32()
                : _calls.Count + position;
            position++;
            if (!_calls.TryGetValue(index, out var call))
            {
                call = new PendingCall();
                _calls.Add(index, call);
            }

            if (fragment.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } idText)
            {
                call.Id = idText;
            }

            if (fragment.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
            {
                // The name comes whole in the first fragment; some servers repeat it in later ones.
                if (call.Name.Length == 0 && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    call.Name = name.GetString() ?? string.Empty;
                }

                if (function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String)
                {
                    call.Arguments.Append(arguments.GetString());
                }
            }
        }
    }

    private LlmHttpException StreamError(JsonElement root)
    {
        var (message, type) = ProviderErrorBody.FromJson(root) ?? (null, null);
        var status = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
            && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number
            && code.TryGetInt32(out var numeric) && numeric is >= 400 and < 600
            ? numeric
            : 500;
        var text = $"{provider} sent an error inside the stream after {Chunks} chunks: {message ?? "no message"}";
        return status == 429
            ? new LlmRateLimitedException(text, message, type, null) { Provider = provider, PartialText = Text }
            : new LlmHttpException(text, status, message, type) { Provider = provider, PartialText = Text };
    }

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : 0;

    private sealed class PendingCall
    {
        public string? Id { get; set; }

        public string Name { get; set; } = string.Empty;

        public StringBuilder Arguments { get; } = new();
    }
}
