using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Duragent.Storage.File;

/// <summary>
/// A bounded set of dedicated threads for every blocking, fsyncing file operation of the provider, so that no
/// thread-pool thread ever waits on a disk. Event-log flushes are queued per log (a log is queued at most once;
/// appends arriving while it is queued or being flushed ride along in its next flush — group commit), and flushes
/// of different logs run in parallel. Other work (state writes, loads, compaction) is queued as plain jobs.
/// </summary>
/// <remarks>
/// With <see cref="FileSyncStrategy.SyncFsWhenBusy"/>, a thread that finds at least
/// <see cref="FileStorageOptions.SyncFsMinDirtyLogs"/> logs waiting takes all of them (up to
/// <see cref="MaxSyncFsGroup"/>), writes each, and makes them all durable with one <c>syncfs</c>.
/// </remarks>
internal sealed class FlushScheduler : IDisposable
{
    /// <summary>The most logs one <c>syncfs</c> round takes.</summary>
    public const int MaxSyncFsGroup = 512;

    /// <summary>
    /// How long a thread that just finished work spins for the next item before sleeping: 100 µs. A session awaiting
    /// its appends one after the other sends the next one a few tens of µs after the previous completes; catching it
    /// while spinning saves a thread wake-up per append (measured: single-session appends went from a median 0.80 to
    /// 0.89 of the raw write+fsync rate; see docs/benchmarks.md). Only one thread spins at a time, so the cost is at
    /// most one core for 100 µs after a flush.
    /// </summary>
    private static readonly TimeSpan s_spinBeforeSleep = TimeSpan.FromMicroseconds(100);

    private readonly object _sync = new();
    private readonly Queue<EventLogFile> _dirty = new();
    private readonly Queue<Action> _jobs = new();
    private readonly Thread[] _threads;
    private readonly FileLayout _layout;
    private readonly ILogger _logger;
    private readonly FileStorageStatistics _statistics;
    private readonly int _syncFsMinDirtyLogs;
    private readonly bool _useSyncFs;
    private bool _stopping;
    private int _queued;
    private int _spinning;

    public FlushScheduler(FileStorageOptions options, FileLayout layout, ILogger logger, FileStorageStatistics statistics, FileStorageHealth health)
    {
        Health = health;
        _layout = layout;
        _logger = logger;
        _statistics = statistics;
        _useSyncFs = options.SyncStrategy == FileSyncStrategy.SyncFsWhenBusy && NativeIo.SupportsSyncFs;
        _syncFsMinDirtyLogs = options.SyncFsMinDirtyLogs;
        _threads = new Thread[options.FlushThreads];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"duragent-flush-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Queues a flush of <paramref name="log"/> (the caller set its "flush scheduled" flag).</summary>
    public void ScheduleFlush(EventLogFile log)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _dirty.Enqueue(log);
            Signal();
        }
    }

    // From a flush thread: more appends arrived during a flush. Allowed while stopping (the threads drain the queue).
    private void Requeue(EventLogFile log)
    {
        lock (_sync)
        {
            _dirty.Enqueue(log);
            Signal();
        }
    }

    /// <summary>Whether writes work; every job and flush reports its storage faults to it.</summary>
    public FileStorageHealth Health { get; }

    /// <summary>Runs <paramref name="work"/> on a flush thread.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default, string? location = null)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Job()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                completion.TrySetResult(work());
            }
            catch (Exception ex)
            {
                completion.TrySetException(Health.Observe(ex, location));
            }
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _jobs.Enqueue(Job);
            Signal();
        }

        return completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> on a flush thread.</summary>
    public Task RunAsync(Action work, CancellationToken cancellationToken = default, string? location = null) =>
        RunAsync(() =>
        {
            work();
            return true;
        }, cancellationToken, location);

    /// <summary>Finishes every queued flush and job, then stops the threads.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_sync);
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    // Under _sync: a queued item is picked up by the spinning thread if there is one, else wakes a sleeping one. The
    // spinner always re-checks the queues under _sync before it sleeps, so skipping the pulse cannot lose an item.
    private void Signal()
    {
        Volatile.Write(ref _queued, _dirty.Count + _jobs.Count);
        if (Volatile.Read(ref _spinning) == 0)
        {
            Monitor.Pulse(_sync);
        }
    }

    private void SpinForWork()
    {
        if (Interlocked.CompareExchange(ref _spinning, 1, 0) != 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _queued) == 0 && Stopwatch.GetElapsedTime(started) < s_spinBeforeSleep)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        Volatile.Write(ref _spinning, 0);
    }

    private void Run()
    {
        var preferJobs = false;
        var group = new List<EventLogFile>();
        while (true)
        {
            Action? job = null;
            EventLogFile? single = null;
            group.Clear();
            SpinForWork();
            lock (_sync)
            {
                while (_dirty.Count == 0 && _jobs.Count == 0)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    Monitor.Wait(_sync);
                }

                // Alternate between the two queues so that neither starves the other.
                if (_jobs.Count > 0 && (preferJobs || _dirty.Count == 0))
                {
                    job = _jobs.Dequeue();
                }
                else if (_useSyncFs && _dirty.Count >= _syncFsMinDirtyLogs)
                {
                    while (_dirty.Count > 0 && group.Count < MaxSyncFsGroup)
                    {
                        group.Add(_dirty.Dequeue());
                    }
                }
                else
                {
                    single = _dirty.Dequeue();
                }

                preferJobs = !preferJobs;
                Volatile.Write(ref _queued, _dirty.Count + _jobs.Count);
            }

            if (job is not null)
            {
                job();
            }
            else if (single is not null)
            {
                FlushOne(single);
            }
            else
            {
                FlushGroup(group);
            }
        }
    }

    private void FlushOne(EventLogFile log)
    {
        var flush = log.BeginFlush(_layout, _logger, Health);
        if (flush is null)
        {
            return;
        }

        try
        {
            log.Write(flush);
            _statistics.AddLogWrite();
            log.Sync(flush);
            _statistics.AddFileSync();
        }
        catch (Exception ex)
        {
            log.Fail(flush, ex, _logger, Health);
            return;
        }

        Health.ReportSuccess();
        if (log.Complete(flush, _statistics))
        {
            Requeue(log);
        }
    }

    private void FlushGroup(List<EventLogFile> logs)
    {
        var written = new List<FlushBatch>(logs.Count);
        foreach (var log in logs)
        {
            var flush = log.BeginFlush(_layout, _logger, Health);
            if (flush is null)
            {
                continue;
            }

            try
            {
                log.Write(flush);
                _statistics.AddLogWrite();
                written.Add(flush);
            }
            catch (Exception ex)
            {
                log.Fail(flush, ex, _logger, Health);
            }
        }

        if (written.Count == 0)
        {
            return;
        }

        try
        {
            // One syncfs makes every write above durable, new files' directory entries included.
            written[0].Log.SyncFileSystem();
            _statistics.AddSyncFsRound();
        }
        catch (Exception ex)
        {
            foreach (var flush in written)
            {
                flush.Log.Fail(flush, ex, _logger, Health);
            }

            return;
        }

        Health.ReportSuccess();
        foreach (var flush in written)
        {
            if (flush.Log.Complete(flush, _statistics))
            {
                Requeue(flush.Log);
            }
        }
    }
}
