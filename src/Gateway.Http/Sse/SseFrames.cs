using System.Buffers;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.IO.Pipelines;
using System.Text;
using Duragent.Sessions.Events;

namespace Duragent.Gateway.Http.Sse;

/// <summary>
/// Writes Server-Sent Events frames straight into the response pipe: <c>id: &lt;seq&gt;</c>, <c>event: &lt;type&gt;</c>,
/// <c>data: &lt;stored JSON line&gt;</c>, blank line. No allocation per event: the seq is formatted in place, the known
/// type names are encoded once, and the stored JSON is copied as it is.
/// </summary>
public static class SseFrames
{
    /// <summary>The keep-alive comment: <c>: keep-alive</c> and a blank line.</summary>
    public static ReadOnlySpan<byte> KeepAlive => ": keep-alive\n\n"u8;

    private static readonly FrozenDictionary<string, byte[]> KnownTypes =
        SessionEventTypes.All.ToFrozenDictionary(name => name, name => Encoding.UTF8.GetBytes(name), StringComparer.Ordinal);

    /// <summary>Appends one event frame to <paramref name="writer"/> (not flushed).</summary>
    public static void WriteEvent(IBufferWriter<byte> writer, long seq, string type, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var typeBytes = TypeBytes(type);
        if (json.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            WriteMultiline(writer, seq, typeBytes, json);
            return;
        }

        // "id: " + 20 digits + "\n" + "event: " + type + "\n" + "data: " + json + "\n\n"
        var size = 4 + 20 + 1 + 7 + typeBytes.Length + 1 + 6 + json.Length + 2;
        var span = writer.GetSpan(size);
        var at = WriteHeader(span, seq, typeBytes);
        "data: "u8.CopyTo(span[at..]);
        at += 6;
        json.CopyTo(span[at..]);
        at += json.Length;
        "\n\n"u8.CopyTo(span[at..]);
        writer.Advance(at + 2);
    }

    /// <summary>Appends <c>retry: &lt;milliseconds&gt;</c> (the client's reconnection delay) to <paramref name="writer"/> (not flushed).</summary>
    public static void WriteRetry(IBufferWriter<byte> writer, int milliseconds)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        var span = writer.GetSpan(7 + 11 + 2);
        "retry: "u8.CopyTo(span);
        Utf8Formatter.TryFormat(milliseconds, span[7..], out var digits);
        "\n\n"u8.CopyTo(span[(7 + digits)..]);
        writer.Advance(7 + digits + 2);
    }

    /// <summary>Appends the keep-alive comment to <paramref name="writer"/> (not flushed).</summary>
    public static void WriteKeepAlive(PipeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(KeepAlive);
    }

    private static int WriteHeader(Span<byte> span, long seq, ReadOnlySpan<byte> type)
    {
        "id: "u8.CopyTo(span);
        var at = 4;
        Utf8Formatter.TryFormat(seq, span[at..], out var digits);
        at += digits;
        "\nevent: "u8.CopyTo(span[at..]);
        at += 8;
        type.CopyTo(span[at..]);
        at += type.Length;
        span[at++] = (byte)'\n';
        return at;
    }

    // A stored line never holds a raw line break (JSON escapes them), but SSE framing must survive one anyway:
    // every line of the payload becomes its own data: line, which a client joins back with '\n'.
    private static void WriteMultiline(IBufferWriter<byte> writer, long seq, ReadOnlySpan<byte> type, ReadOnlySpan<byte> json)
    {
        var header = writer.GetSpan(4 + 20 + 1 + 7 + type.Length + 1);
        writer.Advance(WriteHeader(header, seq, type));
        while (true)
        {
            var end = json.IndexOfAny((byte)'\n', (byte)'\r');
            var line = end < 0 ? json : json[..end];
            writer.Write("data: "u8);
            writer.Write(line);
            writer.Write("\n"u8);
            if (end < 0)
            {
                break;
            }

            var skip = json[end] == '\r' && end + 1 < json.Length && json[end + 1] == '\n' ? 2 : 1;
            json = json[(end + skip)..];
        }

        writer.Write("\n"u8);
    }

    private static byte[] TypeBytes(string type)
    {
        if (KnownTypes.TryGetValue(type, out var bytes))
        {
            return bytes;
        }

        // A type this version does not know (written by a newer one): sent as is when it is a plain name.
        foreach (var c in type)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return "unknown"u8.ToArray();
            }
        }

        return Encoding.UTF8.GetBytes(type);
    }
}
