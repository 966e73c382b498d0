using Orleans.Runtime;

namespace Duragent.Storage.File;

/// <summary>
/// The event logs currently in memory, at most <see cref="FileStorageOptions.MaxOpenLogs"/> of them beyond the
/// ones in use: callers rent a log for the length of an operation, and when the table is over its limit the least
/// recently used idle logs are closed and forgotten (reloading one later costs a tail read). So 10,000 sessions do
/// not mean 10,000 open file descriptors.
/// </summary>
internal sealed class EventLogTable(FileLayout layout, int maxOpenLogs) : IDisposable
{
    private const int MaxExaminedPerReturn = 16;

    private readonly object _sync = new();
    private readonly Dictionary<GrainId, EventLogFile> _logs = [];
    private readonly LinkedList<EventLogFile> _lru = new();

    /// <summary>Logs in memory now.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _logs.Count;
            }
        }
    }

    /// <summary>The log of <paramref name="grainId"/>, held in memory until <see cref="Return"/>.</summary>
    public EventLogFile Rent(GrainId grainId)
    {
        lock (_sync)
        {
            if (!_logs.TryGetValue(grainId, out var log))
            {
                log = new EventLogFile(grainId, layout);
                _logs.Add(grainId, log);
                log.LruNode = _lru.AddFirst(log);
            }
            else
            {
                _lru.Remove(log.LruNode!);
                _lru.AddFirst(log.LruNode!);
            }

            log.Users++;
            return log;
        }
    }

    /// <summary>Ends a rental; closes least recently used idle logs while the table is over its limit.</summary>
    public void Return(EventLogFile log)
    {
        lock (_sync)
        {
            log.Users--;
            // Look at a few of the oldest logs per call: when most logs are busy, a full scan on every call would
            // cost O(logs); a bounded look still converges because every call takes another look.
            var node = _lru.Last;
            for (var examined = 0; _logs.Count > maxOpenLogs && node is not null && examined < MaxExaminedPerReturn; examined++)
            {
                var previous = node.Previous;
                var candidate = node.Value;
                if (candidate.Users == 0 && candidate.TryCloseIfIdle())
                {
                    _lru.Remove(node);
                    candidate.LruNode = null;
                    _logs.Remove(candidate.GrainId);
                }

                node = previous;
            }
        }
    }

    /// <summary>Closes every handle (the flush threads have stopped).</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            foreach (var log in _logs.Values)
            {
                log.CloseHandle();
            }

            _logs.Clear();
            _lru.Clear();
        }
    }
}
