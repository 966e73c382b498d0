using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Duragent.Sessions.Events;

namespace Duragent.Sessions;

/// <summary>
/// JSON of session events and session DTOs: snake_case names, snake_case enum values, nulls omitted. The same
/// options serve the event log, the HTTP API and the CLI client, so the three never disagree.
/// </summary>
public static class SessionJson
{
    /// <summary>The shared options (source-generated metadata; trimming-safe).</summary>
    public static JsonSerializerOptions Options => SessionJsonContext.Default.Options;

    /// <summary>Serializes the event's own fields (no envelope) as a UTF-8 JSON object.</summary>
    public static byte[] SerializePayload(SessionEvent sessionEvent)
    {
        ArgumentNullException.ThrowIfNull(sessionEvent);
        if (sessionEvent is UnknownSessionEvent)
        {
            throw new ArgumentException("An unknown event cannot be written.", nameof(sessionEvent));
        }

        return JsonSerializer.SerializeToUtf8Bytes(sessionEvent, sessionEvent.GetType(), SessionJsonContext.Default);
    }

    /// <summary>
    /// Reads an event from a stored line (envelope + fields). An unknown type gives <see cref="UnknownSessionEvent"/>;
    /// a known type with malformed fields throws <see cref="JsonException"/>.
    /// </summary>
    public static SessionEvent DeserializeEvent(string typeName, ReadOnlySpan<byte> json)
    {
        var type = SessionEventTypes.Find(typeName);
        if (type is null)
        {
            return new UnknownSessionEvent(typeName);
        }

        return (SessionEvent?)JsonSerializer.Deserialize(json, type, SessionJsonContext.Default)
            ?? throw new JsonException($"The '{typeName}' event is null.");
    }

    /// <summary>Reads a whole stored line: envelope and event.</summary>
    public static SessionEventEnvelope DeserializeEnvelope(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        long? seq = null;
        DateTimeOffset? ts = null;
        string? type = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A session event must be a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && (seq is null || ts is null || type is null))
        {
            if (reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                seq = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("ts"u8))
            {
                reader.Read();
                ts = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (seq is null || ts is null || type is null)
        {
            throw new JsonException("A session event needs 'seq', 'ts' and 'type'.");
        }

        return new SessionEventEnvelope(seq.Value, ts.Value, type, DeserializeEvent(type, json.Span), json);
    }

    /// <summary>Builds the stored form of an event (envelope first, then the event's fields), as the log writes it.</summary>
    public static byte[] SerializeEnvelope(long seq, DateTimeOffset timestamp, SessionEvent sessionEvent)
    {
        var payload = SerializePayload(sessionEvent);
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq"u8, seq);
            writer.WriteString("ts"u8, timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("type"u8, SessionEventTypes.NameOf(sessionEvent));
            using var fields = JsonDocument.Parse(payload);
            foreach (var property in fields.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Source-generated serialization metadata for sessions.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(SnakeCaseEnumConverter<SessionStatus>), typeof(SnakeCaseEnumConverter<OnDisconnect>),
        typeof(SnakeCaseEnumConverter<ApprovalChoice>), typeof(SnakeCaseEnumConverter<ToolOutcome>), typeof(SnakeCaseEnumConverter<TurnOutcome>)])]
[JsonSerializable(typeof(SessionStarted))]
[JsonSerializable(typeof(UserMessage))]
[JsonSerializable(typeof(TurnStarted))]
[JsonSerializable(typeof(LlmCallStarted))]
[JsonSerializable(typeof(AssistantDelta))]
[JsonSerializable(typeof(AssistantMessage))]
[JsonSerializable(typeof(LlmCallFailed))]
[JsonSerializable(typeof(ToolCallRequested))]
[JsonSerializable(typeof(ApprovalRequired))]
[JsonSerializable(typeof(ApprovalDecided))]
[JsonSerializable(typeof(ToolStarted))]
[JsonSerializable(typeof(ToolFinished))]
[JsonSerializable(typeof(ToolInterrupted))]
[JsonSerializable(typeof(TurnCompleted))]
[JsonSerializable(typeof(StatusChanged))]
[JsonSerializable(typeof(SessionError))]
[JsonSerializable(typeof(CreateSession))]
[JsonSerializable(typeof(SendMessage))]
[JsonSerializable(typeof(MessageAccepted))]
[JsonSerializable(typeof(DecideApproval))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(IReadOnlyList<SessionInfo>))]
[JsonSerializable(typeof(MessagePage))]
[JsonSerializable(typeof(TurnResult))]
public sealed partial class SessionJsonContext : JsonSerializerContext;

/// <summary>Enum values as snake_case strings (<c>awaiting_approval</c>), read case-insensitively.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
