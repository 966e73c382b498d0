using System.Runtime.CompilerServices;

namespace Duragent.Sessions;

/// <summary>
/// One reader of a session's events: the log after <c>afterSeq</c> first, then the live feed, each event exactly
/// once and in order. When the live feed overflows the reader goes back to the log from the last event it gave out
/// and registers again, so a slow client never loses events and never holds up the session. Text deltas shown before
/// they are durable are not in the log yet: the hub hands their copies over with the registration.
/// </summary>
internal sealed class SessionEventStream(
    SessionEventHub hub,
    Func<long, long, CancellationToken, IAsyncEnumerable<SessionEventEnvelope>> readLog,
    long afterSeq,
    Func<ValueTask>? onDispose) : IAsyncDisposable
{
    private int _disposed;
    private int _reading;

    public async IAsyncEnumerable<SessionEventEnvelope> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
        {
            throw new InvalidOperationException("A session event stream can be read only once.");
        }

        var last = afterSeq;
        while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
        {
            using var subscription = hub.Register(out var liveFrom, out var shownNotDurable);

            // Catch up from the log on what happened before the live feed starts, then on what was shown before its
            // fsync (all of it after the durable events the log holds).
            if (last + 1 < liveFrom)
            {
                await foreach (var envelope in readLog(last + 1, liveFrom - 1, cancellationToken))
                {
                    if (envelope.Seq > last)
                    {
                        last = envelope.Seq;
                        yield return envelope;
                    }
                }

                foreach (var envelope in shownNotDurable)
                {
                    if (envelope.Seq > last)
                    {
                        last = envelope.Seq;
                        yield return envelope;
                    }
                }
            }

            if (subscription is null)
            {
                yield break;
            }

            await foreach (var envelope in subscription.Channel.Reader.ReadAllAsync(cancellationToken))
            {
                if (envelope.Seq > last)
                {
                    last = envelope.Seq;
                    yield return envelope;
                }
            }

            if (!subscription.Lagging)
            {
                // The hub closed (session deleted or deactivated): the stream ends here.
                yield break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && onDispose is not null)
        {
            await onDispose();
        }
    }
}
