namespace Duragent.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test says so. Timers fire during <see cref="Advance"/>
/// and <see cref="SetUtcNow"/>, synchronously on the calling thread, in due-time order (ties in creation order), each
/// seeing the clock at its own due time. A timer changed to fire "now" (due time zero) fires on the thread pool at
/// once, like a real timer, without the clock moving.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    /// <summary>The default start: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly Lock _advanceLock = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;

    public FakeTimeProvider()
        : this(DefaultStart)
    {
    }

    public FakeTimeProvider(DateTimeOffset start) => _now = start.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Timers currently armed (for tests that check nothing is left scheduled).</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        lock (_advanceLock)
        {
            SetUtcNowCore(GetUtcNow() + delta);
        }
    }

    /// <summary>Moves the clock forward to <paramref name="value"/>, firing every timer that falls due on the way.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_advanceLock)
        {
            SetUtcNowCore(value);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void SetUtcNowCore(DateTimeOffset target)
    {
        target = target.ToUniversalTime();
        while (true)
        {
            FakeTimer? next = null;
            lock (_lock)
            {
                if (target < _now)
                {
                    throw new ArgumentOutOfRangeException(nameof(target), target, $"The fake clock only moves forward (it is at {_now:O}).");
                }

                foreach (var timer in _timers)
                {
                    if (timer.DueAt is { } due && due <= target
                        && (next is null || due < next.DueAt || (due == next.DueAt && timer.Sequence < next.Sequence)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now = target;
                    return;
                }

                if (next.DueAt > _now)
                {
                    _now = next.DueAt.Value;
                }

                next.Consume();
            }

            next.Invoke();
        }
    }

    private void FireSoon(FakeTimer timer, long version) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static s =>
            {
                var (timer, version) = s;
                bool fire;
                lock (timer.Provider._lock)
                {
                    fire = timer.Version == version && timer.DueAt <= timer.Provider._now;
                    if (fire)
                    {
                        timer.Consume();
                    }
                }

                if (fire)
                {
                    timer.Invoke();
                }
            },
            (timer, version),
            preferLocal: false);

    private sealed class FakeTimer(FakeTimeProvider provider, TimerCallback callback, object? state) : ITimer
    {
        public FakeTimeProvider Provider { get; } = provider;

        public DateTimeOffset? DueAt { get; private set; }

        public TimeSpan Period { get; private set; }

        public long Sequence { get; private set; }

        /// <summary>Bumped on every change and every firing, so a queued "fire now" knows whether it still applies.</summary>
        public long Version { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            CheckTime(dueTime, nameof(dueTime));
            CheckTime(period, nameof(period));
            long version;
            lock (Provider._lock)
            {
                if (!Provider._timers.Contains(this))
                {
                    return false;
                }

                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : Provider._now + dueTime;
                Period = period;
                Sequence = ++Provider._sequence;
                version = ++Version;
            }

            if (dueTime == TimeSpan.Zero)
            {
                Provider.FireSoon(this, version);
            }

            return true;
        }

        /// <summary>Marks the current due time as fired and schedules the next period (lock held).</summary>
        public void Consume()
        {
            Version++;
            DueAt = Period > TimeSpan.Zero && Period != Timeout.InfiniteTimeSpan ? DueAt + Period : null;
        }

        public void Invoke() => callback(state);

        public void Dispose()
        {
            lock (Provider._lock)
            {
                Provider._timers.Remove(this);
                DueAt = null;
                Version++;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private static void CheckTime(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(name, value, "A timer time must be zero, positive or Timeout.InfiniteTimeSpan.");
            }
        }
    }
}
