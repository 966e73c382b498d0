using System.Text.Json;

namespace Duragent.Gateway.Http.Json;

/// <summary>
/// The client-facing form of a stored event line. The file storage frames multi-event appends with a top-level
/// <c>"batch":[first,last]</c> member (its crash-atomicity marker); events replayed from the log carry it, events
/// published live do not. Clients get the event without it, so a replayed event and the same event received live
/// are byte for byte equal. Lines without it (every live event) are returned as they are, without copying.
/// </summary>
public static class EventJson
{
    private static ReadOnlySpan<byte> BatchMember => "\"batch\":"u8;

    /// <summary><paramref name="json"/> without the storage's framing members.</summary>
    public static ReadOnlyMemory<byte> WithoutFraming(ReadOnlyMemory<byte> json)
    {
        var span = json.Span;
        if (span.IndexOf(BatchMember) < 0)
        {
            return json;
        }

        var reader = new Utf8JsonReader(span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return json;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var isBatch = reader.ValueTextEquals("batch"u8);
            reader.Read();
            reader.Skip();
            if (!isBatch)
            {
                continue;
            }

            var end = (int)reader.BytesConsumed;
            var start = nameStart;

            // Remove the member with the comma before it (a first member takes the comma after it instead).
            var before = span[..start].TrimEnd(" \t\r\n"u8);
            if (before.Length > 0 && before[^1] == (byte)',')
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

            var result = new byte[span.Length - (end - start)];
            span[..start].CopyTo(result);
            span[end..].CopyTo(result.AsSpan(start));
            return result;
        }

        return json;
    }
}
