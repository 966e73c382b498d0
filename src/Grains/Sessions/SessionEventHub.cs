using System.Threading.Channels;

namespace Duragent.Sessions;

/// <summary>
/// The live fan-out of one session's events to its readers, in seq order. Durable events are published once durable
/// (<see cref="Publish"/>); text deltas once ordered (<see cref="PublishOrdered"/>), shown at once when the session's
/// seq reservation covers them and otherwise held until they are durable (<see cref="Confirm"/>) — never ahead of an
/// earlier event. Readers get bounded channels. A reader that falls behind is marked lagging instead of blocking the
/// grain or losing events: it catches up from the log, and from <see cref="Register"/>'s copy of the events shown but
/// not durable yet (see <see cref="SessionEventStream"/>).
/// </summary>
/// <remarks>Thread-safe: deltas are confirmed from the log's flush completions, outside the grain's turns.</remarks>
internal sealed class SessionEventHub
{
    /// <summary>Live events buffered per reader before it must catch up from the log: 1,024.</summary>
    public const int ReaderBufferSize = 1024;

    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    // Shown to readers, not durable yet: what a reader registering now cannot read from the log.
    private readonly List<SessionEventEnvelope> _shownNotDurable = [];

    // Ordered, not shown yet (not covered by a reservation, or behind one that is not), in seq order.
    private readonly Queue<(SessionEventEnvelope Envelope, bool MayShowEarly)> _held = new();
    private long _lastSeq;
    private long _durableSeq;
    private bool _closed;

    public SessionEventHub(long lastSeq)
    {
        _lastSeq = lastSeq;
        _durableSeq = lastSeq;
    }

    /// <summary>The seq of the last event shown to readers.</summary>
    public long LastSeq
    {
        get
        {
            lock (_gate)
            {
                return _lastSeq;
            }
        }
    }

    /// <summary>The number of registered readers.</summary>
    public int ReaderCount
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Shows durable events (and every held event before them: they are durable too). Never blocks.</summary>
    public void Publish(IReadOnlyList<SessionEventEnvelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            ConfirmLocked(envelopes[^1].Seq);
            foreach (var envelope in envelopes)
            {
                ShowLocked(envelope);
            }
        }
    }

    /// <summary>
    /// An event ordered in the log but maybe not durable yet: shown now when <paramref name="mayShowEarly"/> (or it is
    /// known durable) and nothing before it is held, otherwise held until <see cref="Confirm"/>.
    /// </summary>
    public void PublishOrdered(SessionEventEnvelope envelope, bool mayShowEarly)
    {
        lock (_gate)
        {
            if (_held.Count == 0 && (mayShowEarly || envelope.Seq <= _durableSeq))
            {
                ShowLocked(envelope);
            }
            else
            {
                _held.Enqueue((envelope, mayShowEarly));
            }
        }
    }

    /// <summary>Events through <paramref name="throughSeq"/> are durable: shows the held ones in order.</summary>
    public void Confirm(long throughSeq)
    {
        lock (_gate)
        {
            ConfirmLocked(throughSeq);
        }
    }

    /// <summary>
    /// Confirms <paramref name="delta"/> once the log says it is durable (on the flush's completion, not on the grain's
    /// scheduler), or discards what is not durable when its write failed, and rethrows.
    /// </summary>
    public async Task ConfirmWhenDurableAsync(OrderedDelta delta)
    {
        try
        {
            await delta.Durable.ConfigureAwait(false);
        }
        catch
        {
            DiscardNotDurable();
            throw;
        }

        Confirm(delta.Envelope.Seq);
    }

    /// <summary>
    /// A write failed: the events not durable yet are gone from the log (the shown ones keep their seqs: the log never
    /// reuses them). Held ones are dropped unseen; readers registering later do not get the shown ones.
    /// </summary>
    public void DiscardNotDurable()
    {
        lock (_gate)
        {
            _held.Clear();
            _shownNotDurable.Clear();
        }
    }

    /// <summary>
    /// Registers a reader. Events with a seq above <paramref name="liveFromSeq"/> − 1 arrive on the subscription; the
    /// earlier ones must be read from the log, except <paramref name="shownNotDurable"/>: shown already but maybe not
    /// in the log yet. Returns null when the hub is closed.
    /// </summary>
    public Subscription? Register(out long liveFromSeq, out SessionEventEnvelope[] shownNotDurable)
    {
        lock (_gate)
        {
            liveFromSeq = _lastSeq + 1;
            shownNotDurable = [.. _shownNotDurable];
            if (_closed)
            {
                return null;
            }

            var subscription = new Subscription(this);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Ends every reader (session deleted or deactivated); they finish after draining what they have.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var subscription in _subscriptions)
            {
                subscription.Channel.Writer.TryComplete();
            }

            _subscriptions.Clear();
        }
    }

    private void ConfirmLocked(long throughSeq)
    {
        if (throughSeq <= _durableSeq)
        {
            return;
        }

        _durableSeq = throughSeq;
        var durable = 0;
        while (durable < _shownNotDurable.Count && _shownNotDurable[durable].Seq <= throughSeq)
        {
            durable++;
        }

        _shownNotDurable.RemoveRange(0, durable);
        while (_held.TryPeek(out var next) && (next.MayShowEarly || next.Envelope.Seq <= _durableSeq))
        {
            _held.Dequeue();
            ShowLocked(next.Envelope);
        }
    }

    private void ShowLocked(SessionEventEnvelope envelope)
    {
        if (envelope.Seq <= _lastSeq)
        {
            return;
        }

        _lastSeq = envelope.Seq;
        if (envelope.Seq > _durableSeq)
        {
            _shownNotDurable.Add(envelope);
        }

        var anyLagging = false;
        foreach (var subscription in _subscriptions)
        {
            if (!subscription.Channel.Writer.TryWrite(envelope))
            {
                subscription.MarkLagging();
                anyLagging = true;
            }
        }

        if (anyLagging)
        {
            _subscriptions.RemoveAll(static s => s.Lagging);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>One reader's live feed.</summary>
    internal sealed class Subscription(SessionEventHub hub) : IDisposable
    {
        private volatile bool _lagging;

        public Channel<SessionEventEnvelope> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<SessionEventEnvelope>(
            new BoundedChannelOptions(ReaderBufferSize) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        /// <summary>True when the feed overflowed; the reader must catch up from the log and register again.</summary>
        public bool Lagging => _lagging;

        /// <summary>Called by the hub under its lock; the hub removes the subscription itself.</summary>
        public void MarkLagging()
        {
            _lagging = true;
            Channel.Writer.TryComplete();
        }

        public void Dispose()
        {
            Channel.Writer.TryComplete();
            hub.Remove(this);
        }
    }
}
