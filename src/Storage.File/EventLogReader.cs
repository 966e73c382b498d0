using Microsoft.Win32.SafeHandles;

namespace Duragent.Storage.File;

/// <summary>
/// A consistent view of one log taken under its maintenance lock: read handles on the archive and the live file
/// and the byte and seq ranges that were durable at that moment. Reading then needs no lock: compaction replaces
/// the live file by rename (the open handle keeps the old one) and only appends to the archive.
/// </summary>
internal sealed class EventLogReader : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private const long BisectThreshold = 256 * 1024;

    private readonly List<Segment> _segments = [];

    private EventLogReader()
    {
    }

    /// <summary>Opens the segments that can hold events from <paramref name="fromSeq"/> on. <see cref="EventLogFile.Maintenance"/> held, loaded.</summary>
    public static EventLogReader Open(EventLogFile log, long fromSeq)
    {
        var reader = new EventLogReader();
        try
        {
            // Appends keep being flushed while a reader opens (only queuing them needs the maintenance lock), so the
            // durable length and the next seq are taken together.
            var (length, nextSeq) = log.Durable;
            if (log.HasArchive && fromSeq < log.LiveFirstSeq)
            {
                var archive = OpenRead(log.ArchivePath);
                reader._segments.Add(new Segment(archive, log.ArchivePath, 0, RandomAccess.GetLength(archive), log.ArchiveFirstSeq, log.LiveFirstSeq));
            }

            if (length > log.DataStart && fromSeq < nextSeq)
            {
                reader._segments.Add(new Segment(OpenRead(log.Path), log.Path, log.DataStart, length, log.LiveFirstSeq, nextSeq));
            }

            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Events with seq ≥ <paramref name="fromSeq"/>, validated line by line (a bad line or a gap throws, naming the line).</summary>
    public IEnumerable<StoredEvent> Read(long fromSeq, CancellationToken cancellationToken)
    {
        foreach (var segment in _segments)
        {
            foreach (var stored in ReadSegment(segment, fromSeq, cancellationToken))
            {
                yield return stored;
            }
        }
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            segment.Handle.Dispose();
        }

        _segments.Clear();
    }

    private static SafeFileHandle OpenRead(string path) =>
        System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private static IEnumerable<StoredEvent> ReadSegment(Segment segment, long fromSeq, CancellationToken cancellationToken)
    {
        var (handle, path, dataStart, limit, firstSeq, endSeq) = segment;
        var position = dataStart;
        var expected = firstSeq;
        long previousSeq = firstSeq - 1, previousReserved = 0;
        var seeked = false;
        if (fromSeq > firstSeq && limit - dataStart > BisectThreshold)
        {
            // The first line found is taken as it is (at least fromSeq: the seq may lie in a hole a reservation left).
            position = LogFileScanner.SeekSeq(handle, dataStart, limit, fromSeq, path);
            seeked = true;
        }

        var buffer = new byte[BufferSize];
        var filled = 0;
        var bufferStart = position; // file offset of buffer[0]
        var consumed = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var newline = buffer.AsSpan(consumed, filled - consumed).IndexOf(EventLineFormat.NewLine);
            if (newline < 0)
            {
                // Move the partial line to the front and read more.
                var remaining = filled - consumed;
                if (bufferStart + filled >= limit)
                {
                    if (remaining > 0)
                    {
                        throw LogFileScanner.Corrupt(handle, path, bufferStart + consumed, "the last line has no newline");
                    }

                    break;
                }

                if (remaining == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                Buffer.BlockCopy(buffer, consumed, buffer, 0, remaining);
                bufferStart += consumed;
                consumed = 0;
                filled = remaining;
                var toRead = (int)Math.Min(buffer.Length - filled, limit - (bufferStart + filled));
                var read = RandomAccess.Read(handle, buffer.AsSpan(filled, toRead), bufferStart + filled);
                if (read <= 0)
                {
                    throw LogFileScanner.Corrupt(handle, path, bufferStart, "the file is shorter than its durable length");
                }

                filled += read;
                continue;
            }

            var lineStart = bufferStart + consumed;
            var line = buffer.AsSpan(consumed, newline);
            consumed += newline + 1;
            if (!EventLineFormat.TryParse(line, out var parsed, out var error))
            {
                throw LogFileScanner.Corrupt(handle, path, lineStart, error!);
            }

            if (seeked ? parsed.Seq < fromSeq : !EventLine.Follows(previousSeq, previousReserved, parsed.Seq))
            {
                var what = parsed.Seq < expected ? "a duplicate or out-of-order" : "a gap: missing";
                throw LogFileScanner.Corrupt(handle, path, lineStart, $"expected seq {expected} but found {parsed.Seq} ({what} event)");
            }

            seeked = false;
            previousSeq = parsed.Seq;
            previousReserved = parsed.ReservedThrough;
            expected = parsed.Seq + 1;
            if (parsed.Seq >= fromSeq)
            {
                yield return new StoredEvent(parsed.Seq, parsed.Timestamp, parsed.Type, parsed.Framed ? EventLineFormat.WithoutFraming(line) : line.ToArray());
            }
        }

        if (!seeked && !EventLine.Follows(previousSeq, previousReserved, endSeq) && fromSeq < endSeq)
        {
            throw LogFileScanner.Corrupt(handle, path, limit, $"the file ends at seq {previousSeq} but should reach {endSeq - 1}");
        }
    }

    private readonly record struct Segment(SafeFileHandle Handle, string Path, long DataStart, long Limit, long FirstSeq, long EndSeq);
}
