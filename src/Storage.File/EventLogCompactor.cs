using Microsoft.Win32.SafeHandles;

namespace Duragent.Storage.File;

/// <summary>
/// Compaction of one log behind a snapshot. Every step is crash-safe on its own, and <see cref="EventLogFile.Load"/>
/// repairs the state between steps:
/// <list type="number">
/// <item><see cref="CompactionMode.Archive"/>: append the dropped lines to <c>events.archive.jsonl</c> and fsync it;
/// then write the rest, behind a header line <c>{"compacted_through":N,…}</c>, to a temp file, fsync, rename it over
/// <c>events.jsonl</c> and fsync the directory. A crash between the two leaves the events in both files; the next
/// load removes the archived copies again.</item>
/// <item><see cref="CompactionMode.Discard"/>: the same atomic rewrite without the archive step, then the archived
/// events up to N are dropped as well (the archive is deleted or rewritten), so the readable range stays
/// contiguous. A crash between leaves an archive that ends before N; the next load deletes it.</item>
/// </list>
/// Runs on a flush thread with the log's maintenance lock held and no flush in flight.
/// </summary>
internal static class EventLogCompactor
{
    private const int CopyBufferSize = 1024 * 1024;

    /// <summary>Compacts <paramref name="log"/> through <paramref name="throughSeq"/>; returns the number of events moved out of the live file.</summary>
    public static long Compact(EventLogFile log, FileLayout layout, long throughSeq, CompactionMode mode, DateTimeOffset now)
    {
        long moved = 0;
        if (throughSeq >= log.LiveFirstSeq)
        {
            using var live = System.IO.File.OpenHandle(log.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = log.DurableLength;
            var cut = LogFileScanner.SeekSeq(live, log.DataStart, length, throughSeq + 1, log.Path);

            // The header names the last event moved out (throughSeq may lie in a hole left by a reservation) and keeps
            // the reservation that event's line carried, so that the seqs it covers are still never reused.
            var last = LogFileScanner.ScanTail(live, log.DataStart, cut, log.Path, batchesAtomic: false);
            var compactedThrough = last.LastSeq ?? throughSeq;
            moved = compactedThrough - log.LiveFirstSeq + 1;
            if (mode == CompactionMode.Archive)
            {
                AppendToArchive(log, layout, live, log.DataStart, cut);
            }

            RewriteWithHeader(log.Path, live, cut, length, EventLineFormat.RenderHeader(compactedThrough, now, mode, last.ReservedThrough));
        }

        if (mode == CompactionMode.Discard && log.HasArchive && throughSeq >= log.ArchiveFirstSeq)
        {
            if (throughSeq >= log.LiveFirstSeq - 1)
            {
                DurableFiles.Delete(log.ArchivePath);
            }
            else
            {
                using var archive = System.IO.File.OpenHandle(log.ArchivePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var length = RandomAccess.GetLength(archive);
                var cut = LogFileScanner.SeekSeq(archive, 0, length, throughSeq + 1, log.ArchivePath);
                RewriteWithHeader(log.ArchivePath, archive, cut, length, header: []);
            }
        }

        return moved;
    }

    private static void AppendToArchive(EventLogFile log, FileLayout layout, SafeFileHandle live, long from, long to)
    {
        var created = !System.IO.File.Exists(log.ArchivePath);
        DurableFiles.EnsureDirectory(log.Directory, layout.Root);
        using var archive = System.IO.File.OpenHandle(log.ArchivePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var offset = RandomAccess.GetLength(archive);
        Copy(live, from, to, archive, offset);
        NativeIo.FlushData(archive, log.ArchivePath);
        if (created)
        {
            NativeIo.FlushDirectory(log.Directory);
        }
    }

    private static void RewriteWithHeader(string path, SafeFileHandle source, long from, long to, byte[] header)
    {
        var temp = FileLayout.TempFileFor(path);
        try
        {
            using (var target = System.IO.File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(target, header, 0);
                Copy(source, from, to, target, header.Length);
                RandomAccess.FlushToDisk(target);
            }

            System.IO.File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                System.IO.File.Delete(temp);
            }
            catch (IOException)
            {
            }

            throw;
        }

        NativeIo.FlushDirectory(Path.GetDirectoryName(path)!);
    }

    private static void Copy(SafeFileHandle source, long from, long to, SafeFileHandle target, long targetOffset)
    {
        var buffer = new byte[(int)Math.Min(CopyBufferSize, Math.Max(1, to - from))];
        while (from < to)
        {
            var read = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - from)), from);
            if (read <= 0)
            {
                throw new IOException($"Unexpected end of file while copying bytes {from}..{to}.");
            }

            RandomAccess.Write(target, buffer.AsSpan(0, read), targetOffset);
            from += read;
            targetOffset += read;
        }
    }
}
