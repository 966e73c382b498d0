namespace Duragent.Storage.File;

/// <summary>Counters of the file provider since it opened (read them for benchmarks, tests and diagnostics).</summary>
public sealed class FileStorageStatistics
{
    private long _appends;
    private long _eventsAppended;
    private long _logWrites;
    private long _fileSyncs;
    private long _syncFsRounds;
    private long _tornTailsRepaired;

    /// <summary>Acknowledged append calls (batches).</summary>
    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>Acknowledged events.</summary>
    public long EventsAppended => Interlocked.Read(ref _eventsAppended);

    /// <summary>Writes to event logs (one per flush of a log; a flush carries every batch queued while the previous one ran).</summary>
    public long LogWrites => Interlocked.Read(ref _logWrites);

    /// <summary><c>fdatasync</c> calls made for event logs.</summary>
    public long FileSyncs => Interlocked.Read(ref _fileSyncs);

    /// <summary><c>syncfs</c> calls, each covering several logs.</summary>
    public long SyncFsRounds => Interlocked.Read(ref _syncFsRounds);

    /// <summary>Torn tails found and truncated when a log (or archive) was opened.</summary>
    public long TornTailsRepaired => Interlocked.Read(ref _tornTailsRepaired);

    internal void AddAcknowledged(int batches, long events)
    {
        Interlocked.Add(ref _appends, batches);
        Interlocked.Add(ref _eventsAppended, events);
    }

    internal void AddLogWrite() => Interlocked.Increment(ref _logWrites);

    internal void AddFileSync() => Interlocked.Increment(ref _fileSyncs);

    internal void AddSyncFsRound() => Interlocked.Increment(ref _syncFsRounds);

    internal void AddTornTailRepaired() => Interlocked.Increment(ref _tornTailsRepaired);
}
