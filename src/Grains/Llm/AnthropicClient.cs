using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Duragent.Llm;

/// <summary>
/// Anthropic's Messages API (<c>POST {base}/v1/messages</c>, <c>anthropic-version: 2023-06-01</c>, <c>x-api-key</c>).
/// System messages are gathered into <c>system</c>; assistant tool calls become <c>tool_use</c> blocks; tool results
/// become <c>tool_result</c> blocks of a user message; consecutive same-role messages are merged so roles alternate.
/// </summary>
internal sealed class AnthropicClient(
    LlmEndpoint endpoint, HttpClient http, LlmOptions options, TimeProvider time, ILogger logger)
    : LlmClientBase(endpoint, http, options, time, logger)
{
    /// <summary>The <c>anthropic-version</c> header value.</summary>
    public const string ApiVersion = "2023-06-01";

    /// <summary><c>max_tokens</c> is required by the Messages API; 4096 when the agent sets none.</summary>
    public const int DefaultMaxTokens = 4096;

    // A base URL given with its /v1 suffix (as some users copy it) must not become /v1/v1/messages.
    private readonly Uri _requestUri = endpoint.BaseUri.AbsolutePath.TrimEnd('/').EndsWith("/v1", StringComparison.Ordinal)
        ? endpoint.Resolve("/messages")
        : endpoint.Resolve("/v1/messages");

    protected override Uri RequestUri => _requestUri;

    protected override void AddHeaders(HttpRequestHeaders headers)
    {
        if (Endpoint.ApiKey is { } key)
        {
            headers.TryAddWithoutValidation("x-api-key", key);
        }

        headers.TryAddWithoutValidation("anthropic-version", ApiVersion);
    }

    protected override IStreamDecoder CreateDecoder() => new AnthropicStreamDecoder(Provider);

    protected override byte[] WriteBody(LlmRequest request)
    {
        var system = new StringBuilder();
        var turns = new List<Turn>();
        foreach (var message in request.Messages)
        {
            if (message.Role == ChatRole.System)
            {
                if (message.Content.Length > 0)
                {
                    system.Append(system.Length > 0 ? "\n\n" : string.Empty).Append(message.Content);
                }

                continue;
            }

            var turn = ToTurn(message);
            if (turn.Blocks.Count == 0)
            {
                continue;
            }

            if (turns.Count > 0 && turns[^1].Role == turn.Role)
            {
                turns[^1].Blocks.AddRange(turn.Blocks);
            }
            else
            {
                turns.Add(turn);
            }
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", ModelOf(request));
            writer.WriteNumber("max_tokens", request.MaxOutputTokens ?? Endpoint.MaxOutputTokens ?? DefaultMaxTokens);
            if (system.Length > 0)
            {
                writer.WriteString("system", system.ToString());
            }

            writer.WriteStartArray("messages");
            foreach (var turn in turns)
            {
                WriteTurn(writer, turn);
            }

            writer.WriteEndArray();
            if ((request.Temperature ?? Endpoint.Temperature) is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.Tools.Count > 0)
            {
                writer.WriteStartArray("tools");
                foreach (var tool in request.Tools)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", tool.Name);
                    writer.WriteString("description", tool.Description);
                    writer.WritePropertyName("input_schema");
                    OpenAiCompatibleClient.WriteSchema(writer, tool.Parameters);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteBoolean("stream", true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static Turn ToTurn(ChatMessage message)
    {
        var blocks = new List<Block>();
        switch (message.Role)
        {
            case ChatRole.User:
                if (message.Content.Length > 0)
                {
                    blocks.Add(new Block(BlockKind.Text, message.Content, null, null, false));
                }

                return new Turn("user", blocks);
            case ChatRole.Assistant:
                if (message.Content.Length > 0)
                {
                    blocks.Add(new Block(BlockKind.Text, message.Content, null, null, false));
                }

                foreach (var call in message.ToolCalls)
                {
                    blocks.Add(new Block(BlockKind.ToolUse, call.ArgumentsJson, call.Id, call.Name, false));
                }

                return new Turn("assistant", blocks);
            case ChatRole.Tool:
                blocks.Add(new Block(BlockKind.ToolResult, message.Content, message.ToolCallId, null, message.IsError));
                return new Turn("user", blocks);
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.Role, "unknown chat role");
        }
    }

    private static void WriteTurn(Utf8JsonWriter writer, Turn turn)
    {
        writer.WriteStartObject();
        writer.WriteString("role", turn.Role);
        writer.WriteStartArray("content");

        // The API requires a user turn's tool_result blocks to come before its other content.
        foreach (var block in turn.Blocks.Where(b => b.Kind == BlockKind.ToolResult).Concat(turn.Blocks.Where(b => b.Kind != BlockKind.ToolResult)))
        {
            writer.WriteStartObject();
            switch (block.Kind)
            {
                case BlockKind.Text:
                    writer.WriteString("type", "text");
                    writer.WriteString("text", block.Text);
                    break;
                case BlockKind.ToolUse:
                    writer.WriteString("type", "tool_use");
                    writer.WriteString("id", block.Id);
                    writer.WriteString("name", block.Name);
                    writer.WritePropertyName("input");
                    WriteToolInput(writer, block.Text);
                    break;
                case BlockKind.ToolResult:
                    writer.WriteString("type", "tool_result");
                    writer.WriteString("tool_use_id", block.Id);
                    writer.WriteString("content", block.Text);
                    if (block.IsError)
                    {
                        writer.WriteBoolean("is_error", true);
                    }

                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>input</c> must be a JSON object. The model's own arguments are sent back as they were; arguments that are not
    /// an object (the model produced broken JSON) are wrapped so the request still succeeds and the model sees them.
    /// </summary>
    private static void WriteToolInput(Utf8JsonWriter writer, string argumentsJson)
    {
        if (!string.IsNullOrWhiteSpace(argumentsJson))
        {
            try
            {
                using var document = JsonDocument.Parse(argumentsJson);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    document.RootElement.WriteTo(writer);
                    return;
                }
            }
            catch (JsonException)
            {
                // Falls through to the wrapper below.
            }

            writer.WriteStartObject();
            writer.WriteString("_raw_arguments", argumentsJson);
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    private enum BlockKind
    {
        Text,
        ToolUse,
        ToolResult,
    }

    private sealed record Block(BlockKind Kind, string Text, string? Id, string? Name, bool IsError);

    private sealed record Turn(string Role, List<Block> Blocks);
}
