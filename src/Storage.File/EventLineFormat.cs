using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Duragent.Storage.File;

/// <summary>
/// The JSON Lines format of <c>events.jsonl</c>. One event per line, envelope first:
/// <c>{"seq":12,"ts":"2026-11-21T10:00:00.000Z","type":"user_message",…payload fields}</c>. Every line of a
/// multi-event batch also carries <c>"batch":[first,last]</c> after <c>type</c>, so that a batch cut short by a
/// crash is recognised on load and dropped as a whole. The last line of a batch appended with a seq reservation
/// carries <c>"reserved_through":R</c> (after <c>batch</c>): seqs up to R may have been shown before they were
/// durable, so after a restart the log goes on at R + 1 when its tail carries R, and the next line may then jump from
/// that line's seq to R + 1. A compacted log starts with a header line
/// <c>{"compacted_through":N,"ts":"…","mode":"…"}</c> that has no <c>seq</c> (and carries
/// <c>"reserved_through":R</c> when the line of N did).
/// </summary>
internal static class EventLineFormat
{
    public const byte NewLine = (byte)'\n';

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = false, SkipValidation = true };
    private static readonly JsonReaderOptions s_readerOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 };

    /// <summary>Names the payload may not use: the envelope's and the provider's own.</summary>
    public static readonly string[] ReservedNames = ["seq", "ts", "type", "batch", "compacted_through", "reserved_through"];

    /// <summary>Formats a time as RFC 3339 UTC with milliseconds.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Renders a batch to its bytes (one line per event, each ending in <c>\n</c>), numbering events from
    /// <paramref name="firstSeq"/>; the last line carries <paramref name="reservedThrough"/> when it is above the
    /// batch's last seq. Throws <see cref="ArgumentException"/> for a bad type or payload.
    /// </summary>
    public static byte[] RenderBatch(long firstSeq, IReadOnlyList<EventToAppend> events, long reservedThrough = 0)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * events.Count);
        var lastSeq = firstSeq + events.Count - 1;
        using var writer = new Utf8JsonWriter(buffer, s_writerOptions);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            CheckType(e.Type, i);
            var inner = PayloadInner(e.Payload, i);

            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteNumber("seq", firstSeq + i);
            writer.WriteString("ts", FormatTimestamp(e.Timestamp));
            writer.WriteString("type", e.Type);
            if (events.Count > 1)
            {
                writer.WriteStartArray("batch");
                writer.WriteNumberValue(firstSeq);
                writer.WriteNumberValue(lastSeq);
                writer.WriteEndArray();
            }

            if (i == events.Count - 1 && reservedThrough > lastSeq)
            {
                writer.WriteNumber("reserved_through", reservedThrough);
            }

            writer.Flush();
            if (!inner.IsEmpty)
            {
                buffer.Write(","u8);
                buffer.Write(inner.Span);
            }

            buffer.Write("}\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Renders the header line of a compacted log (with its newline); <paramref name="reservedThrough"/> is the
    /// reservation the line of <paramref name="compactedThrough"/> carried (0: none).
    /// </summary>
    public static byte[] RenderHeader(long compactedThrough, DateTimeOffset now, CompactionMode mode, long reservedThrough = 0)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("compacted_through", compactedThrough);
            if (reservedThrough > compactedThrough)
            {
                writer.WriteNumber("reserved_through", reservedThrough);
            }

            writer.WriteString("ts", FormatTimestamp(now));
            writer.WriteString("mode", mode == CompactionMode.Archive ? "archive" : "discard");
            writer.WriteEndObject();
        }

        buffer.Write([NewLine]);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses and validates one complete line (without its newline). Returns false with a reason when the line is
    /// not a well-formed event line.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out EventLine parsed, out string? error)
    {
        parsed = default;
        if (line.IndexOf((byte)0) >= 0)
        {
            error = "the line contains NUL bytes";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(line, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the line is not a JSON object";
                return false;
            }

            if (!ReadProperty(ref reader, "seq"u8) || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var seq) || seq < 1)
            {
                error = "the line does not start with a positive \"seq\"";
                return false;
            }

            if (!ReadProperty(ref reader, "ts"u8) || reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var ts))
            {
                error = "the line has no valid \"ts\" after \"seq\"";
                return false;
            }

            if (!ReadProperty(ref reader, "type"u8) || reader.TokenType != JsonTokenType.String)
            {
                error = "the line has no \"type\" after \"ts\"";
                return false;
            }

            var type = reader.GetString()!;
            long batchFirst = 0, batchLast = 0;
            if (!reader.Read())
            {
                error = "the line ends early";
                return false;
            }

            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("batch"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
                    || !reader.Read() || !reader.TryGetInt64(out batchFirst)
                    || !reader.Read() || !reader.TryGetInt64(out batchLast)
                    || !reader.Read() || reader.TokenType != JsonTokenType.EndArray
                    || batchFirst > seq || batchLast < seq)
                {
                    error = "the line has a malformed \"batch\"";
                    return false;
                }

                if (!reader.Read())
                {
                    error = "the line ends early";
                    return false;
                }
            }

            long reservedThrough = 0;
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("reserved_through"u8))
            {
                if (!reader.Read() || !reader.TryGetInt64(out reservedThrough) || reservedThrough <= seq || (batchLast != 0 && seq != batchLast))
                {
                    error = "the line has a malformed \"reserved_through\" (it must be above the seq, on the last line of a batch)";
                    return false;
                }

                if (!reader.Read())
                {
                    error = "the line ends early";
                    return false;
                }
            }

            // The payload's own fields: check that the object is well formed and closes at the end of the line.
            while (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0)
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                if (!reader.Read())
                {
                    error = "the JSON object is not closed";
                    return false;
                }
            }

            if (reader.BytesConsumed != line.Length)
            {
                error = "there is text after the JSON object";
                return false;
            }

            parsed = new EventLine(seq, ts, type, batchFirst, batchLast, reservedThrough);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"invalid JSON at byte {ex.BytePositionInLine}: {ex.Message}";
            return false;
        }
    }

    /// <summary>Parses just the <c>seq</c> at the start of a line (<c>{"seq":N,</c>); false when the line does not start that way.</summary>
    public static bool TryParseSeqPrefix(ReadOnlySpan<byte> line, out long seq)
    {
        seq = 0;
        ReadOnlySpan<byte> prefix = "{\"seq\":"u8;
        if (!line.StartsWith(prefix))
        {
            return false;
        }

        var digits = line[prefix.Length..];
        var n = 0;
        while (n < digits.Length && n < 19 && digits[n] is >= (byte)'0' and <= (byte)'9')
        {
            seq = (seq * 10) + (digits[n] - '0');
            n++;
        }

        return n > 0 && n < digits.Length && digits[n] == (byte)',';
    }

    /// <summary>
    /// True when the line is a compaction header; <paramref name="compactedThrough"/> gets its value and
    /// <paramref name="reservedThrough"/> the reservation it carries (0: none).
    /// </summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> line, out long compactedThrough, out long reservedThrough)
    {
        compactedThrough = 0;
        reservedThrough = 0;
        if (!line.StartsWith("{\"compacted_through\":"u8))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(line, s_readerOptions);
            if (!(reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && ReadProperty(ref reader, "compacted_through"u8)
                && reader.TryGetInt64(out compactedThrough) && compactedThrough >= 0))
            {
                return false;
            }

            if (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("reserved_through"u8))
            {
                return reader.Read() && reader.TryGetInt64(out reservedThrough) && reservedThrough > compactedThrough;
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool ReadProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
        reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(name) && reader.Read();

    private static void CheckType(string? type, int index)
    {
        if (string.IsNullOrEmpty(type) || type.Length > 128)
        {
            throw new ArgumentException($"Event {index}: the type must be 1 to 128 characters long.", "events");
        }

        foreach (var c in type)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"Event {index}: the type '{type.Replace(c, '?')}' contains a control character.", "events");
            }
        }
    }

    /// <summary>
    /// Checks that the payload is a single JSON object whose top-level names avoid <see cref="ReservedNames"/>,
    /// and returns its members without the braces, on one line.
    /// </summary>
    private static ReadOnlyMemory<byte> PayloadInner(ReadOnlyMemory<byte> payload, int index)
    {
        var span = payload.Span;
        if (span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var hasLineBreak = span.IndexOfAny((byte)'\n', (byte)'\r') >= 0;
        try
        {
            var reader = new Utf8JsonReader(span, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ArgumentException($"Event {index}: the payload must be a JSON object.", "events");
            }

            var start = reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                foreach (var reserved in ReservedNames)
                {
                    if (reader.ValueTextEquals(reserved))
                    {
                        throw new ArgumentException($"Event {index}: the payload may not contain the field \"{reserved}\" (reserved by the event envelope).", "events");
                    }
                }

                reader.Read();
                reader.Skip();
            }

            var end = reader.TokenStartIndex;
            if (reader.Read())
            {
                throw new ArgumentException($"Event {index}: the payload has text after the JSON object.", "events");
            }

            var inner = payload.Slice((int)start + 1, (int)(end - start - 1));
            if (hasLineBreak)
            {
                return Minify(inner);
            }

            return inner.Span.Trim(" \t"u8).IsEmpty ? ReadOnlyMemory<byte>.Empty : inner;
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Event {index}: the payload is not valid JSON: {ex.Message}", "events", ex);
        }
    }

    // Re-writes "members without braces" on one line: a payload may be pretty-printed, a line may not.
    private static ReadOnlyMemory<byte> Minify(ReadOnlyMemory<byte> inner)
    {
        var wrapped = new byte[inner.Length + 2];
        wrapped[0] = (byte)'{';
        inner.Span.CopyTo(wrapped.AsSpan(1));
        wrapped[^1] = (byte)'}';
        using var document = JsonDocument.Parse(wrapped);
        var buffer = new ArrayBufferWriter<byte>(wrapped.Length);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            document.RootElement.WriteTo(writer);
        }

        var written = buffer.WrittenMemory;
        return written.Length <= 2 ? ReadOnlyMemory<byte>.Empty : written[1..^1];
    }

    /// <summary>
    /// A stored line without the provider's framing members <c>"batch"</c> and <c>"reserved_through"</c>: what
    /// <see cref="StoredEvent.Json"/> holds, so that an event read back is the same JSON as the event appended (the
    /// framing is this file format's business).
    /// </summary>
    public static byte[] WithoutFraming(ReadOnlySpan<byte> line)
    {
        var span = line;
        if (span.IndexOf("\"batch\":"u8) < 0 && span.IndexOf("\"reserved_through\":"u8) < 0)
        {
            return span.ToArray();
        }

        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return span.ToArray();
        }

        // Ranges [start, end) to cut, each a member with the comma before it (a first member takes the comma after it).
        var cuts = new List<(int Start, int End)>(2);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var isFraming = reader.ValueTextEquals("batch"u8) || reader.ValueTextEquals("reserved_through"u8);
            reader.Read();
            reader.Skip();
            if (!isFraming)
            {
                continue;
            }

            var end = (int)reader.BytesConsumed;
            var start = nameStart;
            var before = span[..start].TrimEnd(" \t\r\n"u8);
            if (before.Length > 0 && before[^1] == (byte)',' && (cuts.Count == 0 || before.Length - 1 >= cuts[^1].End))
            {
                start = before.Length - 1;
            }
            else
            {
                var after = span[end..];
                var skipped = after.Length - after.TrimStart(" \t\r\n"u8).Length;
                if (skipped < after.Length && after[skipped] == (byte)',')
                {
                    end += skipped + 1;
                }
            }

            cuts.Add((start, end));
        }

        if (cuts.Count == 0)
        {
            return span.ToArray();
        }

        var removed = 0;
        foreach (var (start, end) in cuts)
        {
            removed += end - start;
        }

        var result = new byte[span.Length - removed];
        var written = 0;
        var from = 0;
        foreach (var (start, end) in cuts)
        {
            span[from..start].CopyTo(result.AsSpan(written));
            written += start - from;
            from = end;
        }

        span[from..].CopyTo(result.AsSpan(written));
        return result;
    }
}

/// <summary>The envelope of one parsed event line.</summary>
/// <param name="ReservedThrough">The seq reservation the line carries (0: none); see <see cref="EventLineFormat"/>.</param>
internal readonly record struct EventLine(long Seq, DateTimeOffset Timestamp, string Type, long BatchFirst, long BatchLast, long ReservedThrough = 0)
{
    /// <summary>True when the line belongs to a multi-event batch.</summary>
    public bool InBatch => BatchLast != 0;

    /// <summary>True when the line carries framing members that reads strip (<c>batch</c>, <c>reserved_through</c>).</summary>
    public bool Framed => BatchLast != 0 || ReservedThrough != 0;

    /// <summary>
    /// True when a line with <paramref name="nextSeq"/> may follow a line with <paramref name="seq"/> that carried
    /// <paramref name="reservedThrough"/>: the next seq, or the first one after the reservation (a restart skipped the
    /// seqs that may have been shown but were never appended).
    /// </summary>
    public static bool Follows(long seq, long reservedThrough, long nextSeq) =>
        nextSeq == seq + 1 || (reservedThrough > seq && nextSeq == reservedThrough + 1);
}
