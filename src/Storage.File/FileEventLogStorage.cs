using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File;

/// <summary>
/// The file event log: <c>&lt;grain dir&gt;/events.jsonl</c>, one JSON object per line, appended and fsynced before
/// an append returns, with group commit (see <see cref="FlushScheduler"/>). See <c>docs/storage.md</c>.
/// </summary>
public sealed class FileEventLogStorage : IEventLogStorage
{
    private readonly FileLayout _layout;
    private readonly EventLogTable _table;
    private readonly FlushScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly FileStorageStatistics _statistics;
    private readonly TimeProvider _timeProvider;
    private readonly Func<bool> _isDisposed;

    internal FileEventLogStorage(FileLayout layout, EventLogTable table, FlushScheduler scheduler, ILogger logger,
        FileStorageStatistics statistics, TimeProvider timeProvider, Func<bool> isDisposed)
    {
        _layout = layout;
        _table = table;
        _scheduler = scheduler;
        _logger = logger;
        _statistics = statistics;
        _timeProvider = timeProvider;
        _isDisposed = isDisposed;
    }

    /// <summary>The path of the live log of <paramref name="grainId"/> (for tools and tests).</summary>
    public string LogPath(GrainId grainId) => _layout.EventsFile(grainId);

    /// <summary>The path of the archive of <paramref name="grainId"/>.</summary>
    public string ArchivePath(GrainId grainId) => _layout.ArchiveFile(grainId);

    /// <inheritdoc />
    public async Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var log = Rent(grainId);
        try
        {
            await log.Maintenance.WaitAsync(cancellationToken);
            try
            {
                await EnsureLoadedAsync(log);
                return new EventLogInfo(log.FirstSeq, log.ReservedNextSeq);
            }
            finally
            {
                log.Maintenance.Release();
            }
        }
        finally
        {
            _table.Return(log);
        }
    }

    /// <inheritdoc />
    public async Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        var ordered = await AppendOrderedAsync(grainId, expectedNextSeq, events, 0, cancellationToken);
        await ordered.Durable;
        return ordered.NextSeq;
    }

    /// <inheritdoc />
    public async Task<OrderedAppend> AppendOrderedAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, long reserveThrough = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(expectedNextSeq, 1);
        if (reserveThrough != 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(reserveThrough, expectedNextSeq + events.Count - 1);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Rendered (and validated) before any lock: the seqs are the expected ones, and a wrong expectation is
        // rejected below without writing.
        var append = new PendingAppend(EventLineFormat.RenderBatch(expectedNextSeq, events, reserveThrough), expectedNextSeq, events.Count,
            reserveThrough > expectedNextSeq + events.Count - 1 ? reserveThrough : 0);
        var log = Rent(grainId);
        try
        {
            await log.Maintenance.WaitAsync(cancellationToken);
            EnqueueResult result;
            long reserved;
            Exception? earlier;
            try
            {
                await EnsureLoadedAsync(log);
                result = log.Enqueue(append, expectedNextSeq, out reserved, out earlier);
                if (result == EnqueueResult.QueuedNeedsFlush)
                {
                    _scheduler.ScheduleFlush(log);
                }
            }
            finally
            {
                log.Maintenance.Release();
            }

            if (result == EnqueueResult.Stale)
            {
                throw new InconsistentStateException(
                    $"Append to {log.Path} expected next seq {expectedNextSeq}, but the log's next seq is {reserved}; nothing was written.",
                    reserved.ToString(CultureInfo.InvariantCulture), expectedNextSeq.ToString(CultureInfo.InvariantCulture));
            }

            if (result == EnqueueResult.EarlierFailed)
            {
                ExceptionDispatchInfo.Throw(earlier!);
            }

            // The log stays in the table while the append is queued: the table never closes a log with pending work.
            return new OrderedAppend(expectedNextSeq + events.Count, append.Completion.Task);
        }
        finally
        {
            _table.Return(log);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSeq);
        EventLogReader reader;
        var log = Rent(grainId);
        try
        {
            await log.Maintenance.WaitAsync(cancellationToken);
            try
            {
                await EnsureLoadedAsync(log);
                reader = EventLogReader.Open(log, fromSeq);
            }
            finally
            {
                log.Maintenance.Release();
            }
        }
        finally
        {
            _table.Return(log);
        }

        using (reader)
        {
            foreach (var stored in reader.Read(fromSeq, cancellationToken))
            {
                yield return stored;
            }
        }
    }

    /// <inheritdoc />
    public async Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown compaction mode.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(throughSeq);
        if (mode == CompactionMode.Keep)
        {
            _layout.GrainDirectory(grainId);
            return;
        }

        var log = Rent(grainId);
        try
        {
            await log.Maintenance.WaitAsync(cancellationToken);
            try
            {
                await EnsureLoadedAsync(log);
                await log.WaitIdleAsync();
                var nextSeq = log.DurableNextSeq;
                if (throughSeq >= nextSeq)
                {
                    throw new ArgumentOutOfRangeException(nameof(throughSeq), throughSeq,
                        $"Cannot compact {log.Path} through seq {throughSeq}: its last event is {nextSeq - 1}.");
                }

                if (throughSeq < log.FirstSeq)
                {
                    return;
                }

                var now = _timeProvider.GetUtcNow();

                // Nothing is lost by compacting: the reload goes on where the log is, not past a reservation.
                var continueAt = log.ReservedNextSeq;
                await _scheduler.RunAsync(() =>
                {
                    long moved;
                    try
                    {
                        moved = EventLogCompactor.Compact(log, _layout, throughSeq, mode, now);
                    }
                    finally
                    {
                        // Whatever happened, the next use re-reads the files (the load repairs a half-done compaction).
                        log.Invalidate(continueAt);
                    }

                    log.Load(_logger, _statistics);
                    _logger.LogDebugCompacted(log.Path, throughSeq, mode, moved, log.DurableNextSeq - log.LiveFirstSeq);
                }, CancellationToken.None);
            }
            finally
            {
                log.Maintenance.Release();
            }
        }
        finally
        {
            _table.Return(log);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var log = Rent(grainId);
        try
        {
            await log.Maintenance.WaitAsync(cancellationToken);
            try
            {
                await log.WaitIdleAsync();
                await _scheduler.RunAsync(() =>
                {
                    log.Invalidate();
                    DurableFiles.Delete(log.ArchivePath);
                    DurableFiles.Delete(log.Path);
                    DurableFiles.DeleteStrayTemps(log.Directory, FileLayout.EventsFileName);
                    DurableFiles.DeleteStrayTemps(log.Directory, FileLayout.ArchiveFileName);
                    DurableFiles.TryRemoveEmptyDirectory(log.Directory);
                    _logger.LogDebugLogDeleted(log.Path);
                }, CancellationToken.None);
            }
            finally
            {
                log.Maintenance.Release();
            }
        }
        finally
        {
            _table.Return(log);
        }
    }

    private EventLogFile Rent(GrainId grainId)
    {
        ObjectDisposedException.ThrowIf(_isDisposed(), this);
        return _table.Rent(grainId);
    }

    private Task EnsureLoadedAsync(EventLogFile log) =>
        log.NeedsLoad ? _scheduler.RunAsync(() => log.Load(_logger, _statistics), CancellationToken.None) : Task.CompletedTask;
}
