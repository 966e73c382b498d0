using System.Text.Json.Nodes;

namespace Duragent.FakeLlm;

/// <summary>One SSE frame of a rendered stream.</summary>
/// <param name="Text">The frame, blank-line terminated.</param>
/// <param name="Kind">Where it sits in the stream.</param>
internal readonly record struct WireFrame(string Text, WireFrameKind Kind);

internal enum WireFrameKind
{
    /// <summary>Before the first content delta (role chunk, message_start, block starts).</summary>
    Opening,

    /// <summary>A content delta: counted as one chunk.</summary>
    Content,

    /// <summary>Between content deltas, not counted (a tool call's start, a block stop).</summary>
    Structure,

    /// <summary>After the last content delta (finish, usage, [DONE], message_stop).</summary>
    Closing,
}

/// <summary>Renders scripts in one provider's wire format.</summary>
internal abstract class WireFormat
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public abstract IEnumerable<WireFrame> Stream(FakeResponse response, FakeRequest request, bool includeUsage);

    public abstract string StreamError(string type, string message);

    public abstract JsonObject Complete(FakeResponse response, FakeRequest request);

    public abstract JsonObject Error(int status, string? type, string message);

    protected static string RandomId(string prefix, int length) =>
        prefix + string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });

    protected static string Model(FakeRequest request) => request.Model ?? "fake-model";

    protected static int InputTokens(FakeResponse response, FakeRequest request) =>
        response.InputTokens ?? Math.Max(1, System.Text.Encoding.UTF8.GetByteCount(request.RawBody) / 4);

    protected static int OutputTokens(FakeResponse response) => response.OutputTokens ?? Math.Max(1, response.ChunkCount);

    protected static JsonNode ParseArguments(string json)
    {
        try
        {
            return JsonNode.Parse(json.Length == 0 ? "{}" : json) as JsonObject ?? new JsonObject();
        }
        catch (System.Text.Json.JsonException)
        {
            return new JsonObject();
        }
    }
}

/// <summary>
/// OpenAI chat completion chunks: <c>data: {"id":"chatcmpl-…","object":"chat.completion.chunk",…}</c> frames, a role
/// chunk first, tool calls by <c>index</c> (id, type and name in the first fragment, then <c>arguments</c> pieces), a
/// chunk with the <c>finish_reason</c>, a usage chunk with empty <c>choices</c> when <c>stream_options.include_usage</c>
/// was asked for, then <c>data: [DONE]</c>.
/// </summary>
internal sealed class OpenAiWireFormat : WireFormat
{
    public override IEnumerable<WireFrame> Stream(FakeResponse response, FakeRequest request, bool includeUsage)
    {
        var id = RandomId("chatcmpl-", 29);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var fingerprint = "fp_" + RandomId(string.Empty, 10).ToLowerInvariant();
        var model = Model(request);

        WireFrame Frame(JsonObject delta, string? finish, WireFrameKind kind) =>
            new(Data(Chunk(id, created, model, fingerprint, delta, finish, includeUsage)), kind);

        yield return Frame(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty, ["refusal"] = null }, null, WireFrameKind.Opening);
        foreach (var text in response.TextChunks)
        {
            yield return Frame(new JsonObject { ["content"] = text }, null, WireFrameKind.Content);
        }

        for (var index = 0; index < response.Calls.Count; index++)
        {
            var call = response.Calls[index];
            yield return Frame(
                new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = index,
                        ["id"] = call.Id ?? RandomId("call_", 24),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = string.Empty },
                    }),
                },
                null,
                WireFrameKind.Structure);
            foreach (var fragment in call.ArgumentFragments)
            {
                yield return Frame(
                    new JsonObject
                    {
                        ["tool_calls"] = new JsonArray(new JsonObject
                        {
                            ["index"] = index,
                            ["function"] = new JsonObject { ["arguments"] = fragment },
                        }),
                    },
                    null,
                    WireFrameKind.Content);
            }
        }

        yield return Frame(new JsonObject(), FinishReason(response), WireFrameKind.Closing);
        if (includeUsage)
        {
            var usageChunk = Chunk(id, created, model, fingerprint, null, null, includeUsage: false);
            usageChunk["choices"] = new JsonArray();
            usageChunk["usage"] = Usage(response, request);
            yield return new WireFrame(Data(usageChunk), WireFrameKind.Closing);
        }

        yield return new WireFrame("data: [DONE]\n\n", WireFrameKind.Closing);
    }

    public override string StreamError(string type, string message) =>
        Data(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = null },
        });

    public override JsonObject Complete(FakeResponse response, FakeRequest request)
    {
        var text = string.Concat(response.TextChunks);
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = text.Length == 0 && response.Calls.Count > 0 ? null : text,
            ["refusal"] = null,
            ["annotations"] = new JsonArray(),
        };
        if (response.Calls.Count > 0)
        {
            var calls = new JsonArray();
            foreach (var call in response.Calls)
            {
                calls.Add(new JsonObject
                {
                    ["id"] = call.Id ?? RandomId("call_", 24),
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
                });
            }

            message["tool_calls"] = calls;
        }

        return new JsonObject
        {
            ["id"] = RandomId("chatcmpl-", 29),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = Model(request),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = FinishReason(response),
            }),
            ["usage"] = Usage(response, request),
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_" + RandomId(string.Empty, 10).ToLowerInvariant(),
        };
    }

    public override JsonObject Error(int status, string? type, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error",
            ["param"] = null,
            ["code"] = type,
        },
    };

    private static string FinishReason(FakeResponse response) =>
        response.FinishReason ?? (response.Calls.Count > 0 ? "tool_calls" : "stop");

    private static JsonObject Usage(FakeResponse response, FakeRequest request)
    {
        var input = InputTokens(response, request);
        var output = OutputTokens(response);
        return new JsonObject
        {
            ["prompt_tokens"] = input,
            ["completion_tokens"] = output,
            ["total_tokens"] = input + output,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
            ["completion_tokens_details"] = new JsonObject
            {
                ["reasoning_tokens"] = 0,
                ["audio_tokens"] = 0,
                ["accepted_prediction_tokens"] = 0,
                ["rejected_prediction_tokens"] = 0,
            },
        };
    }

    private static JsonObject Chunk(string id, long created, string model, string fingerprint, JsonObject? delta, string? finish, bool includeUsage)
    {
        var chunk = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["service_tier"] = "default",
            ["system_fingerprint"] = fingerprint,
            ["choices"] = delta is null
                ? new JsonArray()
                : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
        };
        if (includeUsage)
        {
            chunk["usage"] = null;
        }

        return chunk;
    }

    private static string Data(JsonObject json) => "data: " + json.ToJsonString() + "\n\n";
}

/// <summary>
/// Anthropic's Messages event stream: <c>event: message_start</c>, per content block a <c>content_block_start</c>,
/// deltas (<c>text_delta</c>, <c>input_json_delta</c> starting with an empty <c>partial_json</c>) and a
/// <c>content_block_stop</c>, a <c>ping</c> after the first block start, then <c>message_delta</c> (stop reason and
/// output tokens) and <c>message_stop</c>.
/// </summary>
internal sealed class AnthropicWireFormat : WireFormat
{
    public override IEnumerable<WireFrame> Stream(FakeResponse response, FakeRequest request, bool includeUsage)
    {
        var input = InputTokens(response, request);
        yield return Event("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = RandomId("msg_01", 22),
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = Model(request),
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject
                {
                    ["input_tokens"] = input,
                    ["cache_creation_input_tokens"] = 0,
                    ["cache_read_input_tokens"] = 0,
                    ["output_tokens"] = 1,
                    ["service_tier"] = "standard",
                },
            },
        }, WireFrameKind.Opening);

        var index = 0;
        var pinged = false;
        if (response.TextChunks.Count > 0)
        {
            yield return BlockStart(index, new JsonObject { ["type"] = "text", ["text"] = string.Empty }, WireFrameKind.Opening);
            yield return Ping();
            pinged = true;
            foreach (var text in response.TextChunks)
            {
                yield return Delta(index, new JsonObject { ["type"] = "text_delta", ["text"] = text });
            }

            yield return BlockStop(index);
            index++;
        }

        foreach (var call in response.Calls)
        {
            yield return BlockStart(
                index,
                new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = call.Id ?? RandomId("toolu_01", 22),
                    ["name"] = call.Name,
                    ["input"] = new JsonObject(),
                },
                pinged ? WireFrameKind.Structure : WireFrameKind.Opening);
            if (!pinged)
            {
                yield return Ping();
                pinged = true;
            }

            yield return Event(
                "content_block_delta",
                new JsonObject
                {
                    ["type"] = "content_block_delta",
                    ["index"] = index,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = string.Empty },
                },
                WireFrameKind.Structure);
            foreach (var fragment in call.ArgumentFragments)
            {
                yield return Delta(index, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = fragment });
            }

            yield return BlockStop(index);
            index++;
        }

        yield return Event("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = StopReason(response), ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = OutputTokens(response) },
        }, WireFrameKind.Closing);
        yield return Event("message_stop", new JsonObject { ["type"] = "message_stop" }, WireFrameKind.Closing);
    }

    public override string StreamError(string type, string message) =>
        Event("error", new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
        }, WireFrameKind.Closing).Text;

    public override JsonObject Complete(FakeResponse response, FakeRequest request)
    {
        var content = new JsonArray();
        var text = string.Concat(response.TextChunks);
        if (text.Length > 0)
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        }

        foreach (var call in response.Calls)
        {
            content.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = call.Id ?? RandomId("toolu_01", 22),
                ["name"] = call.Name,
                ["input"] = ParseArguments(call.Arguments),
            });
        }

        return new JsonObject
        {
            ["id"] = RandomId("msg_01", 22),
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = Model(request),
            ["content"] = content,
            ["stop_reason"] = StopReason(response),
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = InputTokens(response, request),
                ["cache_creation_input_tokens"] = 0,
                ["cache_read_input_tokens"] = 0,
                ["output_tokens"] = OutputTokens(response),
            },
        };
    }

    public override JsonObject Error(int status, string? type, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject
        {
            ["type"] = status switch
            {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            },
            ["message"] = message,
        },
    };

    private static string StopReason(FakeResponse response) => response.FinishReason switch
    {
        null => response.Calls.Count > 0 ? "tool_use" : "end_turn",
        "stop" => "end_turn",
        "tool_calls" => "tool_use",
        "length" => "max_tokens",
        "content_filter" => "refusal",
        var other => other,
    };

    private static WireFrame BlockStart(int index, JsonObject block, WireFrameKind kind) =>
        Event("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = block }, kind);

    private static WireFrame Delta(int index, JsonObject delta) =>
        Event("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta }, WireFrameKind.Content);

    private static WireFrame BlockStop(int index) =>
        Event("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index }, WireFrameKind.Structure);

    private static WireFrame Ping() => Event("ping", new JsonObject { ["type"] = "ping" }, WireFrameKind.Structure);

    private static WireFrame Event(string name, JsonObject data, WireFrameKind kind) =>
        new($"event: {name}\ndata: {data.ToJsonString()}\n\n", kind);
}
