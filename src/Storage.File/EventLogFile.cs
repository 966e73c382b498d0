using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Orleans.Runtime;

namespace Duragent.Storage.File;

/// <summary>
/// One grain's event log on disk (<c>events.jsonl</c> plus <c>events.archive.jsonl</c>): what is known about it
/// (sequence numbers, durable length), its open handle, and the appends queued for the next flush.
/// This file reads as one story — load, queue, flush, fail — so it is longer than most.
/// </summary>
/// <remarks>
/// Concurrency protocol. <see cref="Maintenance"/> (an async lock) is held to load, to queue an append, to
/// compact, to delete and to open a reader; compaction and delete also wait for the in-flight flush to finish
/// (<see cref="WaitIdleAsync"/>). The flush thread owns the handle while <c>_flushScheduled</c> is set; nobody
/// else touches it then. Fields under "gate" change on flush threads and are read under <c>_gate</c>.
/// </remarks>
internal sealed class EventLogFile
{
    private readonly object _gate = new();

    // gate
    private List<PendingAppend> _pending = [];
    private bool _flushScheduled;
    private TaskCompletionSource? _idle;
    private long _durableLength;
    private long _durableNextSeq = 1;
    private long _reservedNextSeq = 1;
    private volatile bool _broken;

    // The reservation the last append of this process carried (0: none). While one is in force the log stays in
    // memory: forgotten and loaded again, it would go on past the reservation, but nothing was lost.
    private long _tailReservation;

    // After a failed flush: the seqs its appends and those queued behind it had taken, and the error. An append that
    // counted on them (its expected seq lies in that range) fails with the same error rather than as a conflict.
    private long _failedFromSeq;
    private long _failedToNextSeq;
    private Exception? _earlierFailure;

    // flush thread while _flushScheduled, otherwise Maintenance
    private SafeFileHandle? _handle;

    // Maintenance: where a reload after compaction goes on (see Invalidate).
    private long? _continueAt;

    public EventLogFile(GrainId grainId, FileLayout layout)
    {
        GrainId = grainId;
        Directory = layout.GrainDirectory(grainId);
        Path = System.IO.Path.Combine(Directory, FileLayout.EventsFileName);
        ArchivePath = System.IO.Path.Combine(Directory, FileLayout.ArchiveFileName);
    }

    public GrainId GrainId { get; }

    public string Directory { get; }

    public string Path { get; }

    public string ArchivePath { get; }

    /// <summary>Held to load, queue an append, compact, delete, or open a reader.</summary>
    public SemaphoreSlim Maintenance { get; } = new(1, 1);

    /// <summary>True when the log must be (re)loaded from disk before use. Read under <see cref="Maintenance"/>.</summary>
    public bool NeedsLoad => !Loaded || _broken;

    // Maintenance
    public bool Loaded { get; private set; }

    /// <summary>The first readable seq (archive included).</summary>
    public long FirstSeq { get; private set; } = 1;

    /// <summary>The first seq in <c>events.jsonl</c> (equal to the next seq when it holds no events).</summary>
    public long LiveFirstSeq { get; private set; } = 1;

    /// <summary>The header's <c>compacted_through</c>, 0 when the log was never compacted.</summary>
    public long CompactedThrough { get; private set; }

    /// <summary>The byte offset of the first event line (after the header, if any).</summary>
    public long DataStart { get; private set; }

    /// <summary>True when <c>events.archive.jsonl</c> holds events.</summary>
    public bool HasArchive { get; private set; }

    /// <summary>The first seq in the archive (meaningful when <see cref="HasArchive"/>).</summary>
    public long ArchiveFirstSeq { get; private set; }

    // Log table (under its lock)
    internal LinkedListNode<EventLogFile>? LruNode { get; set; }

    internal int Users { get; set; }

    public long DurableLength
    {
        get
        {
            lock (_gate)
            {
                return _durableLength;
            }
        }
    }

    /// <summary>The durable length and next seq, read together (a flush may complete at any time).</summary>
    public (long Length, long NextSeq) Durable
    {
        get
        {
            lock (_gate)
            {
                return (_durableLength, _durableNextSeq);
            }
        }
    }

    /// <summary>The seq the next append must carry: past everything ordered (queued or durable).</summary>
    public long ReservedNextSeq
    {
        get
        {
            lock (_gate)
            {
                return _reservedNextSeq;
            }
        }
    }

    public long DurableNextSeq
    {
        get
        {
            lock (_gate)
            {
                return _durableNextSeq;
            }
        }
    }

    /// <summary>
    /// Reads what is on disk: cleans stray temp files, truncates a torn tail (with a warning), reconciles the archive
    /// after an interrupted compaction, and finds the sequence numbers from the file's ends. Costs O(1) in the log's
    /// length. Runs on a flush thread with <see cref="Maintenance"/> held and nothing queued. A first load (or one after
    /// a failed flush) goes on past the reservation of the tail (appends may have been shown and lost); a reload in the
    /// same process after compaction lost nothing and goes on at <paramref name="continueAt"/>.
    /// </summary>
    public void Load(ILogger logger, FileStorageStatistics statistics, long? continueAt = null)
    {
        continueAt ??= _continueAt;
        _continueAt = null;
        CloseHandle();
        foreach (var temp in DurableFiles.DeleteStrayTemps(Directory, FileLayout.EventsFileName)
            .Concat(DurableFiles.DeleteStrayTemps(Directory, FileLayout.ArchiveFileName)))
        {
            logger.LogWarningStrayTempDeleted(temp);
        }

        long length = 0, dataStart = 0, compactedThrough = 0, headerReserved = 0, nextSeq = 1, liveFirst;
        long? tailSeq = null;
        SafeFileHandle? handle = null;
        try
        {
            if (System.IO.File.Exists(Path))
            {
                handle = System.IO.File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                length = RandomAccess.GetLength(handle);
                if (length > 0 && LogFileScanner.ReadLineAt(handle, 0, length) is { } first
                    && EventLineFormat.TryParseHeader(first, out compactedThrough, out headerReserved))
                {
                    dataStart = first.Length + 1;
                }

                var tail = LogFileScanner.ScanTail(handle, dataStart, length, Path);
                if (tail.ValidEnd < length)
                {
                    logger.LogWarningTornTailTruncated(Path, tail.ValidEnd, length - tail.ValidEnd, tail.TornReason ?? "torn data");
                    RandomAccess.SetLength(handle, tail.ValidEnd);
                    NativeIo.FlushData(handle, Path);
                    statistics.AddTornTailRepaired();
                    length = tail.ValidEnd;
                }

                tailSeq = tail.LastSeq;
                if (tail.LastSeq is { } lastSeq)
                {
                    // Seqs up to the tail's reservation may have been shown before a crash took them: never reuse them.
                    nextSeq = Math.Max(lastSeq + 1, tail.ReservedThrough + 1);
                    var firstLine = LogFileScanner.ReadLineAt(handle, dataStart, length)!;
                    if (!EventLineFormat.TryParseSeqPrefix(firstLine, out liveFirst) || liveFirst > lastSeq
                        || (compactedThrough > 0 && !EventLine.Follows(compactedThrough, headerReserved, liveFirst)))
                    {
                        throw LogFileScanner.Corrupt(handle, Path, dataStart,
                            compactedThrough > 0 ? $"expected the first event to be {compactedThrough + 1} (the header says events up to {compactedThrough} were compacted)" : "the first event line is not valid");
                    }
                }
                else
                {
                    nextSeq = Math.Max(compactedThrough + 1, headerReserved + 1);
                    liveFirst = continueAt ?? nextSeq;
                }
            }
            else if (System.IO.File.Exists(ArchivePath))
            {
                throw new StorageCorruptedException($"{ArchivePath} exists but {Path} is missing; restore the log file or remove the archive.", Path, null);
            }
            else
            {
                liveFirst = 1;
            }

            if (continueAt is { } next)
            {
                var contiguous = tailSeq is { } last ? last + 1 : compactedThrough + 1;
                if (next != nextSeq && next != contiguous)
                {
                    throw new InvalidOperationException($"{Path}: cannot go on at seq {next} after compaction; the file ends at {contiguous - 1}.");
                }

                nextSeq = next;
            }

            LoadArchive(liveFirst, compactedThrough, logger, statistics);
        }
        catch
        {
            handle?.Dispose();
            throw;
        }

        _handle = handle;
        DataStart = dataStart;
        CompactedThrough = compactedThrough;
        LiveFirstSeq = liveFirst;
        // After discard compaction the first readable seq is the one after the compacted ones, also when a reservation
        // moved the next seq (and so the first live event) further.
        FirstSeq = HasArchive ? ArchiveFirstSeq : compactedThrough > 0 ? compactedThrough + 1 : liveFirst;
        lock (_gate)
        {
            _durableLength = length;
            _durableNextSeq = nextSeq;
            _reservedNextSeq = nextSeq;
            if (continueAt is null)
            {
                // Went on past the tail's reservation (or there was none): nothing of this process is in force.
                _tailReservation = 0;
            }
        }

        _broken = false;
        Loaded = true;
    }

    /// <summary>
    /// Forgets what is known so that the next use reloads from disk. <see cref="Maintenance"/> held, idle. With
    /// <paramref name="continueAt"/> (nothing was lost: a compaction ran) the reload goes on at that seq instead of past
    /// the tail's reservation.
    /// </summary>
    public void Invalidate(long? continueAt = null)
    {
        CloseHandle();
        Loaded = false;
        _continueAt = continueAt;
    }

    /// <summary>Queues an append whose first event must get <paramref name="expectedNextSeq"/>. <see cref="Maintenance"/> held, loaded.</summary>
    public EnqueueResult Enqueue(PendingAppend append, long expectedNextSeq, out long reservedNextSeq, out Exception? earlierFailure)
    {
        lock (_gate)
        {
            reservedNextSeq = _reservedNextSeq;
            earlierFailure = null;
            if (expectedNextSeq != _reservedNextSeq)
            {
                if (_earlierFailure is not null && expectedNextSeq > _failedFromSeq && expectedNextSeq <= _failedToNextSeq)
                {
                    earlierFailure = _earlierFailure;
                    return EnqueueResult.EarlierFailed;
                }

                return EnqueueResult.Stale;
            }

            _earlierFailure = null;
            _pending.Add(append);
            _reservedNextSeq += append.Count;
            if (_flushScheduled)
            {
                return EnqueueResult.Queued;
            }

            _flushScheduled = true;
            return EnqueueResult.QueuedNeedsFlush;
        }
    }

    /// <summary>Completes when no flush of this log is in flight or queued.</summary>
    public Task WaitIdleAsync()
    {
        lock (_gate)
        {
            if (!_flushScheduled)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>
    /// Closes the handle if nothing is queued or in flight and no reservation of this process is in force. Called by
    /// the log table for idle logs only.
    /// </summary>
    public bool TryCloseIfIdle()
    {
        lock (_gate)
        {
            if (_flushScheduled || _pending.Count > 0 || _tailReservation != 0)
            {
                return false;
            }
        }

        CloseHandle();
        return true;
    }

    /// <summary>Closes the handle. Only when idle (or on a flush thread that owns it).</summary>
    public void CloseHandle()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>
    /// Flush thread: takes everything queued and makes sure the file is open (creating it and its directory, durably,
    /// for a new log). Returns null when nothing is queued (and marks the log idle).
    /// </summary>
    public FlushBatch? BeginFlush(FileLayout layout, ILogger logger, FileStorageHealth health)
    {
        List<PendingAppend> batches;
        long offset;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                MarkIdle();
                return null;
            }

            batches = _pending;
            _pending = [];
            offset = _durableLength;
        }

        var created = false;
        try
        {
            if (_handle is null)
            {
                created = !System.IO.File.Exists(Path);
                if (created)
                {
                    DurableFiles.EnsureDirectory(Directory, layout.Root);
                }

                _handle = System.IO.File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the taken appends must complete (with the error), never hang.
            Fail(new FlushBatch(this, batches, offset, created), ex, logger, health);
            return null;
        }

        return new FlushBatch(this, batches, offset, created);
    }

    /// <summary>Flush thread: one positional write of every queued line (a single <c>pwritev</c>).</summary>
    public void Write(FlushBatch flush)
    {
        var buffers = new ReadOnlyMemory<byte>[flush.Appends.Count];
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i] = flush.Appends[i].Lines;
        }

        RandomAccess.Write(_handle!, buffers, flush.Offset);
    }

    /// <summary>Flush thread: <c>fdatasync</c> the log (and its directory when the file was just created).</summary>
    public void Sync(FlushBatch flush)
    {
        NativeIo.FlushData(_handle!, Path);
        if (flush.CreatedFile)
        {
            NativeIo.FlushDirectory(Directory);
        }
    }

    /// <summary>Flush thread: <c>syncfs</c> on the filesystem that holds this log (makes every written page durable).</summary>
    public void SyncFileSystem() => NativeIo.SyncFileSystem(_handle!, Path);

    /// <summary>Flush thread: the batches are durable. Returns true when more appends are queued (flush again).</summary>
    public bool Complete(FlushBatch flush, FileStorageStatistics statistics)
    {
        bool more;
        lock (_gate)
        {
            _durableLength = flush.Offset + flush.Length;
            var last = flush.Appends[^1];
            _durableNextSeq = last.FirstSeq + last.Count;
            _tailReservation = last.ReservedThrough;
            more = _pending.Count > 0;
            if (!more)
            {
                MarkIdle();
            }
        }

        long events = 0;
        foreach (var append in flush.Appends)
        {
            events += append.Count;
        }

        statistics.AddAcknowledged(flush.Appends.Count, events);
        foreach (var append in flush.Appends)
        {
            append.Completion.TrySetResult(append.FirstSeq + append.Count);
        }

        return more;
    }

    /// <summary>
    /// Flush thread: the write or the sync failed. Cuts the file back to its durable length (best effort), fails this
    /// flush and everything queued behind it (their sequence numbers assumed this flush), and marks the log for a
    /// reload from disk before its next use.
    /// </summary>
    public void Fail(FlushBatch flush, Exception error, ILogger logger, FileStorageHealth health)
    {
        // A full or failing file system is reported once by the health (one log line), not with a stack trace per append.
        var fault = health.Observe(error, Path) as StorageUnavailableException;
        if (fault is null)
        {
            logger.LogErrorFlushFailed(Path, error);
        }
        else
        {
            logger.LogDebugFlushFailed(Path, fault.Message);
        }

        try
        {
            if (_handle is not null)
            {
                RandomAccess.SetLength(_handle, flush.Offset);
            }
        }
        catch (IOException)
        {
            // The reload before the next use finds whatever is on disk; complete lines there are kept.
        }

        CloseHandle();
        List<PendingAppend> queued;
        var earlier = fault ?? new IOException($"An earlier append to {Path} failed, so this one was not written: {error.Message}", error);
        lock (_gate)
        {
            queued = _pending;
            _pending = [];
            _failedFromSeq = _durableNextSeq;
            _failedToNextSeq = _reservedNextSeq;
            _earlierFailure = earlier;
            _reservedNextSeq = _durableNextSeq;
            _broken = true;
            MarkIdle();
        }

        var wrapped = fault ?? new IOException($"Appending to {Path} failed: {error.Message}", error);
        foreach (var append in flush.Appends)
        {
            append.Completion.TrySetException(wrapped);
        }

        foreach (var append in queued)
        {
            append.Completion.TrySetException(earlier);
        }
    }

    private void LoadArchive(long liveFirst, long compactedThrough, ILogger logger, FileStorageStatistics statistics)
    {
        HasArchive = false;
        if (!System.IO.File.Exists(ArchivePath))
        {
            return;
        }

        bool keep;
        using (var archive = System.IO.File.OpenHandle(ArchivePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            var length = RandomAccess.GetLength(archive);
            var tail = LogFileScanner.ScanTail(archive, 0, length, ArchivePath, batchesAtomic: false);
            if (tail.ValidEnd < length)
            {
                logger.LogWarningTornTailTruncated(ArchivePath, tail.ValidEnd, length - tail.ValidEnd, tail.TornReason ?? "torn data");
                RandomAccess.SetLength(archive, tail.ValidEnd);
                NativeIo.FlushData(archive, ArchivePath);
                statistics.AddTornTailRepaired();
                length = tail.ValidEnd;
            }

            keep = tail.LastSeq is not null;
            if (keep)
            {
                var firstLine = LogFileScanner.ReadLineAt(archive, 0, length)!;
                if (!EventLineFormat.TryParseSeqPrefix(firstLine, out var archiveFirst))
                {
                    throw LogFileScanner.Corrupt(archive, ArchivePath, 0, "the first archived line is not a valid event");
                }

                var archiveLast = tail.LastSeq!.Value;
                if (archiveLast >= liveFirst)
                {
                    // An archive compaction stopped after copying events but before rewriting the live log:
                    // the live log still has them, so the copies are rolled back.
                    if (liveFirst - 1 < archiveFirst)
                    {
                        keep = false;
                    }
                    else
                    {
                        var cut = LogFileScanner.SeekSeq(archive, 0, length, liveFirst, ArchivePath);
                        RandomAccess.SetLength(archive, cut);
                        NativeIo.FlushData(archive, ArchivePath);
                        archiveLast = liveFirst - 1;
                    }

                    logger.LogWarningArchiveRolledBack(ArchivePath, liveFirst);
                }

                if (keep && archiveLast < compactedThrough)
                {
                    // A discard compaction stopped after rewriting the live log but before deleting the archive.
                    keep = false;
                    logger.LogWarningStaleArchiveDeleted(ArchivePath, archiveLast, compactedThrough);
                }

                ArchiveFirstSeq = archiveFirst;
            }
        }

        if (!keep)
        {
            DurableFiles.Delete(ArchivePath);
            return;
        }

        HasArchive = true;
    }

    private void MarkIdle()
    {
        _flushScheduled = false;
        var idle = _idle;
        _idle = null;
        idle?.TrySetResult();
    }
}

/// <summary>The outcome of <see cref="EventLogFile.Enqueue"/>.</summary>
internal enum EnqueueResult
{
    /// <summary>The expected sequence number is not the log's next one; nothing was queued.</summary>
    Stale,

    /// <summary>Queued behind a flush already scheduled.</summary>
    Queued,

    /// <summary>Queued; the caller must schedule a flush of the log.</summary>
    QueuedNeedsFlush,

    /// <summary>The expected sequence number counted on appends that failed; nothing was queued, the append fails with their error.</summary>
    EarlierFailed,
}

/// <summary>One append call waiting to be flushed: its rendered lines and its completion.</summary>
internal sealed class PendingAppend(byte[] lines, long firstSeq, int count, long reservedThrough = 0)
{
    public long ReservedThrough { get; } = reservedThrough;

    public byte[] Lines { get; } = lines;

    public long FirstSeq { get; } = firstSeq;

    public int Count { get; } = count;

    public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The appends taken by one flush, and where they go.</summary>
internal sealed class FlushBatch(EventLogFile log, List<PendingAppend> appends, long offset, bool createdFile)
{
    public EventLogFile Log { get; } = log;

    public List<PendingAppend> Appends { get; } = appends;

    public long Offset { get; } = offset;

    public bool CreatedFile { get; } = createdFile;

    public long Length { get; } = appends.Sum(a => (long)a.Lines.Length);
}
