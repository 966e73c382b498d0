using System.Threading.Channels;

namespace Duragent.Sessions;

/// <summary>
/// The live fan-out of one session's events to its readers. The grain publishes each batch after it is durable;
/// readers get bounded channels. A reader that falls behind is marked lagging instead of blocking the grain or
/// losing events: it catches up from the log (see <see cref="SessionEventStream"/>).
/// </summary>
internal sealed class SessionEventHub
{
    /// <summary>Live events buffered per reader before it must catch up from the log: 1,024.</summary>
    public const int ReaderBufferSize = 1024;

    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private long _lastSeq;
    private bool _closed;

    public SessionEventHub(long lastSeq)
    {
        _lastSeq = lastSeq;
    }

    /// <summary>The seq of the last published event.</summary>
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

    /// <summary>Hands durable events to every reader. Never blocks.</summary>
    public void Publish(IReadOnlyList<SessionEventEnvelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            _lastSeq = envelopes[^1].Seq;
            var anyLagging = false;
            foreach (var subscription in _subscriptions)
            {
                foreach (var envelope in envelopes)
                {
                    if (!subscription.Channel.Writer.TryWrite(envelope))
                    {
                        subscription.MarkLagging();
                        anyLagging = true;
                        break;
                    }
                }
            }

            if (anyLagging)
            {
                _subscriptions.RemoveAll(static s => s.Lagging);
            }
        }
    }

    /// <summary>
    /// Registers a reader. Events with a seq above <paramref name="liveFromSeq"/> − 1 arrive on the subscription;
    /// the earlier ones must be read from the log. Returns null when the hub is closed.
    /// </summary>
    public Subscription? Register(out long liveFromSeq)
    {
        lock (_gate)
        {
            liveFromSeq = _lastSeq + 1;
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
