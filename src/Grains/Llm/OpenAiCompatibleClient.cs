using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Duragent.Llm;

/// <summary>
/// The OpenAI Chat Completions wire format (<c>POST {base}/chat/completions</c>), used for <c>openai</c>,
/// <c>openrouter</c>, <c>ollama</c> and <c>openai-compatible</c>.
/// </summary>
internal sealed class OpenAiCompatibleClient(
    LlmEndpoint endpoint, HttpClient http, LlmOptions options, TimeProvider time, ILogger logger)
    : LlmClientBase(endpoint, http, options, time, logger)
{
    private readonly Uri _requestUri = endpoint.Resolve("/chat/completions");

    protected override Uri RequestUri => _requestUri;

    protected override void AddHeaders(HttpRequestHeaders headers)
    {
        if (Endpoint.ApiKey is { } key)
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    protected override IStreamDecoder CreateDecoder() => new OpenAiStreamDecoder(Provider);

    protected override byte[] WriteBody(LlmRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", ModelOf(request));
            writer.WriteStartArray("messages");
            foreach (var message in request.Messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
            if ((request.Temperature ?? Endpoint.Temperature) is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if ((request.MaxOutputTokens ?? Endpoint.MaxOutputTokens) is { } maxTokens)
            {
                // OpenAI deprecated max_tokens (its reasoning models reject it); compatible servers only know max_tokens.
                writer.WriteNumber(Provider == LlmProviders.OpenAi ? "max_completion_tokens" : "max_tokens", maxTokens);
            }

            if (request.Tools.Count > 0)
            {
                writer.WriteStartArray("tools");
                foreach (var tool in request.Tools)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", tool.Name);
                    writer.WriteString("description", tool.Description);
                    writer.WritePropertyName("parameters");
                    WriteSchema(writer, tool.Parameters);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static void WriteSchema(Utf8JsonWriter writer, JsonElement schema)
    {
        if (schema.ValueKind == JsonValueKind.Object)
        {
            schema.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", "object");
        writer.WriteStartObject("properties");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        switch (message.Role)
        {
            case ChatRole.System:
                writer.WriteString("role", "system");
                writer.WriteString("content", message.Content);
                break;
            case ChatRole.User:
                writer.WriteString("role", "user");
                writer.WriteString("content", message.Content);
                break;
            case ChatRole.Assistant:
                writer.WriteString("role", "assistant");
                if (message.Content.Length == 0 && message.ToolCalls.Count > 0)
                {
                    writer.WriteNull("content");
                }
                else
                {
                    writer.WriteString("content", message.Content);
                }

                if (message.ToolCalls.Count > 0)
                {
                    writer.WriteStartArray("tool_calls");
                    foreach (var call in message.ToolCalls)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("id", call.Id);
                        writer.WriteString("type", "function");
                        writer.WriteStartObject("function");
                        writer.WriteString("name", call.Name);
                        writer.WriteString("arguments", call.ArgumentsJson.Length == 0 ? "{}" : call.ArgumentsJson);
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                break;
            case ChatRole.Tool:
                writer.WriteString("role", "tool");
                writer.WriteString("tool_call_id", message.ToolCallId);
                writer.WriteString("content", message.Content);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.Role, "unknown chat role");
        }

        writer.WriteEndObject();
    }
}
