using Microsoft.Win32.SafeHandles;

namespace Duragent.Storage.File;

/// <summary>
/// Positional reads over a JSON Lines log file: the tail scan that finds the last complete event (and what to cut
/// after it), the first line after a header, a binary search for a sequence number by byte offset, and line
/// numbers for error messages. None of these read the whole file except the line counting done for an error.
/// </summary>
internal static class LogFileScanner
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Reads the line that starts at <paramref name="offset"/> (without its newline); null when no complete line starts there.</summary>
    public static byte[]? ReadLineAt(SafeFileHandle handle, long offset, long limit)
    {
        var buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(0, limit - offset))];
        var filled = 0;
        while (true)
        {
            if (buffer.Length == 0)
            {
                return null;
            }

            var read = RandomAccess.Read(handle, buffer.AsSpan(filled), offset + filled);
            if (read <= 0)
            {
                return null;
            }

            var newline = buffer.AsSpan(filled, read).IndexOf(EventLineFormat.NewLine);
            if (newline >= 0)
            {
                return buffer.AsSpan(0, filled + newline).ToArray();
            }

            filled += read;
            if (offset + filled >= limit)
            {
                return null;
            }

            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit - offset));
            }
        }
    }

    /// <summary>
    /// Finds the offset of the first line at or after <paramref name="dataStart"/> whose seq is at least
    /// <paramref name="targetSeq"/> by bisecting byte offsets (lines are in seq order), or <paramref name="limit"/>.
    /// Costs O(log n) small reads; the lines skipped are not validated.
    /// </summary>
    public static long SeekSeq(SafeFileHandle handle, long dataStart, long limit, long targetSeq, string path)
    {
        var lo = dataStart; // a line start whose seq < target (or the data start)
        var hi = limit;     // a line start whose seq >= target (or the end)
        if (lo >= hi || SeqAt(handle, lo, limit, path) >= targetSeq)
        {
            return lo;
        }

        while (hi - lo > ChunkSize)
        {
            var mid = lo + ((hi - lo) / 2);
            var start = NextLineStart(handle, mid, hi);
            if (start >= hi)
            {
                hi = mid; // no line starts in (mid, hi): the answer is at or before mid, still after lo
                if (hi <= lo)
                {
                    break;
                }

                continue;
            }

            if (SeqAt(handle, start, limit, path) < targetSeq)
            {
                lo = start;
            }
            else
            {
                hi = start;
            }
        }

        // Finish with a forward walk over at most one chunk of lines.
        var position = lo;
        while (position < limit)
        {
            var line = ReadLineAt(handle, position, limit) ?? throw Corrupt(handle, path, position, "the line has no newline");
            if (SeqOf(line, handle, path, position) >= targetSeq)
            {
                return position;
            }

            position += line.Length + 1;
        }

        return limit;
    }

    /// <summary>The 1-based line number of the line starting at <paramref name="offset"/> (counts newlines: O(offset)).</summary>
    public static long LineNumberAt(SafeFileHandle handle, long offset)
    {
        var buffer = new byte[ChunkSize];
        long lines = 1;
        for (long position = 0; position < offset;)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, offset - position)), position);
            if (read <= 0)
            {
                break;
            }

            lines += buffer.AsSpan(0, read).Count(EventLineFormat.NewLine);
            position += read;
        }

        return lines;
    }

    /// <summary>A corruption error naming the file, the line number of <paramref name="offset"/>, and the problem.</summary>
    public static StorageCorruptedException Corrupt(SafeFileHandle handle, string path, long offset, string problem)
    {
        var line = LineNumberAt(handle, offset);
        return new StorageCorruptedException($"{path}:{line}: corrupt event log line (byte offset {offset}): {problem}.", path, line);
    }

    /// <summary>
    /// Scans the end of a log for its last complete event. A torn tail — bytes after the last newline, lines holding
    /// NUL bytes, or the leading lines of a batch whose last line is missing — is reported through
    /// <see cref="TailScan.ValidEnd"/> (the caller truncates there). A complete line that is not a valid event is
    /// corruption and throws, naming the line. <paramref name="batchesAtomic"/> is false for an archive: compaction
    /// may split a batch there, and an interrupted archive append is rolled back as a whole anyway.
    /// </summary>
    public static TailScan ScanTail(SafeFileHandle handle, long dataStart, long length, string path, bool batchesAtomic = true)
    {
        var window = new TailWindow(handle, dataStart, length);
        var end = length;
        string? reason = null;

        // Bytes after the last newline: an append cut short.
        var lastNewline = window.LastNewlineBefore(end);
        if (lastNewline < 0)
        {
            if (end > dataStart)
            {
                reason = "a partial line";
            }

            return new TailScan(dataStart, null, reason);
        }

        if (lastNewline + 1 < end)
        {
            reason = window.AllZero(lastNewline + 1, end) ? "NUL bytes" : "a partial line";
            end = lastNewline + 1;
        }

        while (end > dataStart)
        {
            var start = window.LastNewlineBefore(end - 1) + 1;
            if (start <= 0)
            {
                start = dataStart;
            }

            var line = window.Slice(start, end - 1);
            if (line.IndexOf((byte)0) >= 0)
            {
                reason ??= "NUL bytes";
                end = start;
                continue;
            }

            if (!EventLineFormat.TryParse(line, out var parsed, out var error))
            {
                throw Corrupt(handle, path, start, error!);
            }

            if (batchesAtomic && parsed.InBatch && parsed.Seq != parsed.BatchLast)
            {
                // The batch's last line never made it: drop the whole batch.
                end = StartOfBatch(window, handle, path, start, parsed);
                reason ??= $"an incomplete batch (events {parsed.BatchFirst}-{parsed.BatchLast}, found up to {parsed.Seq})";
                continue;
            }

            return new TailScan(end, parsed.Seq, reason, parsed.ReservedThrough);
        }

        return new TailScan(dataStart, null, reason);
    }

    private static long StartOfBatch(TailWindow window, SafeFileHandle handle, string path, long lineStart, EventLine last)
    {
        var start = lineStart;
        var seq = last.Seq;
        while (seq > last.BatchFirst)
        {
            if (start <= window.DataStart)
            {
                throw Corrupt(handle, path, start, $"the batch {last.BatchFirst}-{last.BatchLast} has no first line");
            }

            var previousStart = window.LastNewlineBefore(start - 1) + 1;
            if (previousStart <= 0)
            {
                previousStart = window.DataStart;
            }

            var line = window.Slice(previousStart, start - 1);
            if (!EventLineFormat.TryParse(line, out var parsed, out var error))
            {
                throw Corrupt(handle, path, previousStart, error!);
            }

            if (parsed.Seq != seq - 1 || parsed.BatchFirst != last.BatchFirst || parsed.BatchLast != last.BatchLast)
            {
                throw Corrupt(handle, path, previousStart, $"expected event {seq - 1} of batch {last.BatchFirst}-{last.BatchLast}");
            }

            seq = parsed.Seq;
            start = previousStart;
        }

        return start;
    }

    private static long NextLineStart(SafeFileHandle handle, long position, long limit)
    {
        var buffer = new byte[4096];
        while (position < limit)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, limit - position)), position);
            if (read <= 0)
            {
                return limit;
            }

            var newline = buffer.AsSpan(0, read).IndexOf(EventLineFormat.NewLine);
            if (newline >= 0)
            {
                return position + newline + 1;
            }

            position += read;
        }

        return limit;
    }

    private static long SeqAt(SafeFileHandle handle, long offset, long limit, string path)
    {
        var prefix = new byte[32];
        var read = RandomAccess.Read(handle, prefix.AsSpan(0, (int)Math.Min(prefix.Length, limit - offset)), offset);
        return EventLineFormat.TryParseSeqPrefix(prefix.AsSpan(0, Math.Max(read, 0)), out var seq)
            ? seq
            : throw Corrupt(handle, path, offset, "the line does not start with {\"seq\":N,");
    }

    private static long SeqOf(byte[] line, SafeFileHandle handle, string path, long offset) =>
        EventLineFormat.TryParseSeqPrefix(line, out var seq)
            ? seq
            : throw Corrupt(handle, path, offset, "the line does not start with {\"seq\":N,");

    /// <summary>A window over the end of the file that grows backwards on demand.</summary>
    private sealed class TailWindow
    {
        private readonly SafeFileHandle _handle;
        private readonly long _length;
        private byte[] _buffer = [];
        private long _start;

        public TailWindow(SafeFileHandle handle, long dataStart, long length)
        {
            _handle = handle;
            DataStart = dataStart;
            _length = length;
            _start = length;
        }

        public long DataStart { get; }

        /// <summary>The offset of the last newline strictly before <paramref name="end"/>, or -1.</summary>
        public long LastNewlineBefore(long end)
        {
            while (true)
            {
                if (end > _start)
                {
                    var index = _buffer.AsSpan(0, (int)(end - _start)).LastIndexOf(EventLineFormat.NewLine);
                    if (index >= 0)
                    {
                        return _start + index;
                    }
                }

                if (_start <= DataStart)
                {
                    return -1;
                }

                Grow();
            }
        }

        public ReadOnlySpan<byte> Slice(long from, long to)
        {
            while (from < _start)
            {
                Grow();
            }

            return _buffer.AsSpan((int)(from - _start), (int)(to - from));
        }

        public bool AllZero(long from, long to) => Slice(from, to).IndexOfAnyExcept((byte)0) < 0;

        private void Grow()
        {
            var size = (int)Math.Min(Math.Max(_buffer.Length * 2L, ChunkSize), _length - DataStart);
            var newStart = _length - size;

            var buffer = new byte[size];
            var read = 0;
            while (read < size)
            {
                var n = RandomAccess.Read(_handle, buffer.AsSpan(read), newStart + read);
                if (n <= 0)
                {
                    throw new IOException($"Unexpected end of file while reading the tail of a log ({newStart + read} of {_length} bytes).");
                }

                read += n;
            }

            _buffer = buffer;
            _start = newStart;
        }
    }
}

/// <summary>The result of a tail scan.</summary>
/// <param name="ValidEnd">The offset just after the last complete event line (or the data start).</param>
/// <param name="LastSeq">The seq of the last complete event, or null when the file holds none.</param>
/// <param name="TornReason">What was found after <paramref name="ValidEnd"/>, or null when nothing was.</param>
/// <param name="ReservedThrough">The seq reservation the last complete event line carries (0: none).</param>
internal readonly record struct TailScan(long ValidEnd, long? LastSeq, string? TornReason, long ReservedThrough = 0);
