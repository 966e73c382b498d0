using System.Runtime.CompilerServices;
using Duragent.Storage;

namespace Duragent.Sessions;

// The session's queries and live streams: they interleave with everything and never wait behind an LLM call.
public sealed partial class SessionGrain
{
    public async Task<MessagePage> GetMessagesAsync(MessageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        EnsureExists();
        await EnsureHistoryAsync();
        var limit = Math.Clamp(query.Limit, 1, 500);
        var all = State.Conversation.Concat(State.Deferred)
            .Where(e => query.IncludeTools || e.Role == "user" || (e.Role == "assistant" && e.Content.Length > 0))
            .Where(e => query.BeforeSeq is null || e.Seq < query.BeforeSeq)
            .Where(e => query.AfterSeq is null || e.Seq > query.AfterSeq);
        var ordered = (query.NewestFirst ? all.OrderByDescending(e => e.Seq) : all.OrderBy(e => e.Seq)).ToList();
        var page = ordered.Take(limit).Select(ToMessage).ToList();
        var hasMore = ordered.Count > limit;
        return new MessagePage(page, hasMore ? page[^1].Seq : null, hasMore);
    }

    public async IAsyncEnumerable<SessionEventEnvelope> StreamAsync(StreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureExists();
        _openStreams++;
        if (options.Attach)
        {
            // Someone watches again: a pause asked for when the last client left (and waiting for a tool) is void.
            _pauseRequested = false;
            _attached++;
            _activity.ClientAttached();
        }

        UpdateKeepAlive();

        // The stream's end (the reader disposed it, its cancellation fired, or Orleans dropped the enumerator of a
        // client that vanished) is applied as a turn of its own: it may pause the running turn.
        await using var stream = new SessionEventStream(_hub, Journal.ReadRangeAsync, Math.Max(0, options.AfterSeq), () =>
        {
            PostTurn(() => OnStreamClosedAsync(options.Attach));
            return ValueTask.CompletedTask;
        });
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deactivating.Token);
        await foreach (var envelope in stream.ReadAllAsync(reading.Token))
        {
            yield return envelope;
        }
    }

    public async Task<TurnResult> WaitForTurnAsync(long messageSeq, CancellationToken cancellationToken)
    {
        EnsureExists();
        await EnsureHistoryAsync();
        if (_storageFault is not null && !TurnSettled(messageSeq))
        {
            // The turn cannot move until the storage takes writes again: say so now rather than after a timeout.
            throw new StorageUnavailableException(_storageFault);
        }

        if (TurnSettled(messageSeq))
        {
            return TurnResultNow();
        }

        return await _waiters.WaitAsync(messageSeq, cancellationToken);
    }

    private async Task OnStreamClosedAsync(bool attached)
    {
        _openStreams--;
        if (attached)
        {
            _attached--;
            _activity.ClientDetached();
        }

        UpdateKeepAlive();

        if (attached && _attached == 0 && State.OnDisconnect == OnDisconnect.Pause && State.Status == SessionStatus.Running && State.Turn is not null)
        {
            await PauseAsync("the last attached client disconnected");
        }
    }

    public Task<StoredEventsPage> GetEventsAsync(long afterSeq, int limit)
    {
        EnsureExists();
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Journal.PageAsync(afterSeq, limit, _deactivating.Token);
    }
}
