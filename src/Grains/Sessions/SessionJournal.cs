using System.Runtime.CompilerServices;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Sessions;

/// <summary>
/// A session's durable record, used by its grain only: appends events to the session's log (durable before the append
/// returns) and folds them into <see cref="State"/>; writes the <c>state.yaml</c> snapshot and compacts the log behind
/// it; rebuilds the history view (<see cref="SessionState"/> remarks) from the log the first time it is needed. Record
/// before acting: nothing here changes the state except by an event that is already durable.
/// </summary>
/// <remarks>
/// Text deltas are the exception that carries no state: <see cref="AppendDeltaAsync"/> returns once the delta is
/// ordered, and says whether it may be shown before it is durable. It may when its seq is covered by the seq
/// reservation of the latest durable append: while an LLM call streams (<see cref="BeginStreaming"/>), every append
/// carries a reservation <see cref="SessionOptions.StreamSeqReservation"/> ahead, and the log never reuses a reserved
/// seq after a restart. Deltas are not folded into the state (they change nothing in it); the log replays them on the
/// next activation like any event.
/// </remarks>
internal sealed class SessionJournal(
    IPersistentState<SessionState> snapshot,
    IEventLogStorage log,
    GrainId grainId,
    SessionOptions options,
    TimeProvider clock)
{
    private readonly Lock _durableGate = new();
    private long _snapshotSeq;
    private long _compactedSeq;
    private bool _logComplete = true;
    private long _nextSeq = 1;
    private bool _streaming;
    private long _reservedThrough;
    private long _durableBatchSeq;
    private long _durableReservedThrough;
    private volatile bool _resync;

    /// <summary>The session's state: the snapshot plus every event recorded since.</summary>
    public SessionState State => snapshot.State;

    /// <summary>True when events were recorded since the last snapshot.</summary>
    public bool SnapshotBehind => State.Exists && State.LastSeq > _snapshotSeq;

    /// <summary>
    /// Activation: checks that the snapshot and the log fit together and folds the events after the snapshot (the
    /// history view is left to <see cref="EnsureHistoryAsync"/> unless the snapshot carries it). Returns the number
    /// of events replayed.
    /// </summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken)
    {
        var sessionId = grainId.Key.ToString();
        var info = await log.GetInfoAsync(grainId, cancellationToken);
        if (State.LastSeq > info.LastSeq)
        {
            throw new InvalidOperationException(
                $"Session '{sessionId}': the snapshot covers events up to {State.LastSeq}, but the log ends at {info.LastSeq}.");
        }

        if (info.LastSeq > State.LastSeq && info.FirstSeq > State.LastSeq + 1)
        {
            throw new InvalidOperationException(
                $"Session '{sessionId}': the snapshot covers events up to {State.LastSeq}, but the log starts at {info.FirstSeq}; events {State.LastSeq + 1}–{info.FirstSeq - 1} are missing.");
        }

        if (State.HistoryInSnapshot)
        {
            // A snapshot of release 1 (or of compaction: discard) carries the history; the open calls follow from it.
            State.OpenToolCalls = SessionHistory.OpenToolCalls(State.Conversation);
        }
        else if (snapshot.RecordExists)
        {
            State.HistoryLoaded = false;
        }

        var snapshotSeq = State.LastSeq;
        var replayed = 0;
        await foreach (var stored in log.ReadAsync(grainId, State.LastSeq + 1, cancellationToken))
        {
            SessionProjection.Apply(State, SessionJson.DeserializeEnvelope(stored.Json));
            replayed++;
        }

        State.SessionId = sessionId;
        _snapshotSeq = snapshot.RecordExists ? snapshotSeq : 0;
        _nextSeq = info.NextSeq;
        _compactedSeq = info.FirstSeq - 1;
        _logComplete = info.FirstSeq <= 1;
        return replayed;
    }

    /// <summary>The seq the next recorded event gets (after a failed write, as the log says once asked again).</summary>
    public async ValueTask<long> NextSeqAsync()
    {
        await ResyncIfNeededAsync();
        return _nextSeq;
    }

    /// <summary>An LLM call starts streaming: from now on every append carries a seq reservation (see remarks).</summary>
    public void BeginStreaming() => _streaming = true;

    /// <summary>The stream ended: the next append carries no reservation (nothing beyond it will be shown early).</summary>
    public void EndStreaming()
    {
        _streaming = false;
        _reservedThrough = 0;
    }

    /// <summary>Appends <paramref name="events"/> durably (the expected-seq fence included) and folds them.</summary>
    public async Task<SessionEventEnvelope[]> AppendAsync(IReadOnlyList<SessionEvent> events)
    {
        var now = clock.GetUtcNow();
        var batch = new EventToAppend[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            batch[i] = new EventToAppend(SessionEventTypes.NameOf(events[i]), now, SessionJson.SerializePayload(events[i]));
        }

        var (ordered, first, reserved) = await OrderAsync(batch);
        try
        {
            await ordered.Durable;
        }
        catch
        {
            _resync = true;
            throw;
        }

        MarkDurable(first + batch.Length - 1, reserved);
        var envelopes = new SessionEventEnvelope[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            envelopes[i] = new SessionEventEnvelope(first + i, now, batch[i].Type, events[i], SessionJson.SerializeEnvelope(first + i, now, events[i]));
            SessionProjection.Apply(State, envelopes[i]);
        }

        return envelopes;
    }

    /// <summary>
    /// Orders a text delta in the log and returns without waiting for its fsync. The result says whether the delta may
    /// be shown now (its seq is covered by a durable reservation); its <see cref="OrderedDelta.Durable"/> completes when
    /// it is durable. A failed write makes the next append ask the log where it stands.
    /// </summary>
    public async Task<OrderedDelta> AppendDeltaAsync(AssistantDelta delta)
    {
        var now = clock.GetUtcNow();
        var batch = new[] { new EventToAppend(SessionEventTypes.AssistantDelta, now, SessionJson.SerializePayload(delta)) };
        var (ordered, seq, reserved) = await OrderAsync(batch);
        var envelope = new SessionEventEnvelope(seq, now, SessionEventTypes.AssistantDelta, delta, SessionJson.SerializeEnvelope(seq, now, delta));
        bool mayShow;
        lock (_durableGate)
        {
            mayShow = seq <= _durableReservedThrough;
        }

        return new OrderedDelta(envelope, mayShow, ConfirmAsync(ordered.Durable, seq, reserved));
    }

    private async Task ConfirmAsync(Task durable, long seq, long reserved)
    {
        try
        {
            await durable.ConfigureAwait(false);
        }
        catch
        {
            _resync = true;
            throw;
        }

        MarkDurable(seq, reserved);
    }

    private async Task<(OrderedAppend Ordered, long First, long Reserved)> OrderAsync(EventToAppend[] batch)
    {
        await ResyncIfNeededAsync();
        var first = _nextSeq;
        var last = first + batch.Length - 1;
        if (_streaming && _reservedThrough < last + (options.StreamSeqReservation / 2))
        {
            _reservedThrough = last + options.StreamSeqReservation;
        }

        var reserved = _streaming ? _reservedThrough : 0;
        try
        {
            var ordered = await log.AppendOrderedAsync(grainId, first, batch, reserved);
            _nextSeq = ordered.NextSeq;
            return (ordered, first, reserved);
        }
        catch (Exception ex) when (ex is not InconsistentStateException)
        {
            _resync = true;
            throw;
        }
    }

    private async ValueTask ResyncIfNeededAsync()
    {
        if (_resync)
        {
            // A write failed: the log reloaded from disk, and its next seq may have moved past a reservation.
            var info = await log.GetInfoAsync(grainId);
            _nextSeq = info.NextSeq;
            _resync = false;
        }
    }

    private void MarkDurable(long batchLastSeq, long reserved)
    {
        lock (_durableGate)
        {
            if (batchLastSeq > _durableBatchSeq)
            {
                _durableBatchSeq = batchLastSeq;
                _durableReservedThrough = reserved;
            }
        }
    }

    /// <summary>True when a snapshot is due after <paramref name="recorded"/>: the session came to rest, or enough events passed.</summary>
    public bool SnapshotDue(IReadOnlyList<SessionEventEnvelope> recorded)
    {
        foreach (var envelope in recorded)
        {
            if (envelope.Event is SessionStarted || (envelope.Event is StatusChanged change && change.To != SessionStatus.Running))
            {
                return true;
            }
        }

        return State.LastSeq - _snapshotSeq >= options.SnapshotEveryEvents;
    }

    /// <summary>
    /// Writes the snapshot: what resuming needs, not the conversation (SessionState remarks), so its cost does not grow
    /// with the history; then compacts the log behind it as <paramref name="mode"/> says. When the log does not hold
    /// every event (discarded before, whatever the mode is now) or will not (<c>discard</c>), the snapshot carries the
    /// history: it is then its only copy.
    /// </summary>
    public async Task WriteSnapshotAsync(CompactionMode mode, CancellationToken cancellationToken)
    {
        var carryHistory = mode == CompactionMode.Discard || !_logComplete;
        if (carryHistory)
        {
            await EnsureHistoryAsync(cancellationToken);
        }

        State.HistoryInSnapshot = carryHistory;
        await snapshot.WriteStateAsync(CancellationToken.None);
        _snapshotSeq = State.LastSeq;
        if (mode != CompactionMode.Keep && _snapshotSeq - _compactedSeq >= options.SnapshotEveryEvents)
        {
            await log.CompactAsync(grainId, _snapshotSeq, mode, cancellationToken);
            _compactedSeq = _snapshotSeq;
            _logComplete &= mode != CompactionMode.Discard;
        }
    }

    /// <summary>
    /// Makes the history view (conversation, deferred messages, idempotency keys) complete: after an activation from a
    /// snapshot that does not carry it, folds the whole log into a scratch state and takes its history. Safe to run in
    /// an interleaved call: events recorded meanwhile are read too, and the final check and hand-over run without an
    /// await between them.
    /// </summary>
    public async Task EnsureHistoryAsync(CancellationToken cancellationToken)
    {
        var scratch = new SessionState { SessionId = grainId.Key.ToString() };
        while (!State.HistoryLoaded)
        {
            if (scratch.LastSeq == State.LastSeq)
            {
                State.Conversation = scratch.Conversation;
                State.Deferred = scratch.Deferred;
                State.RecentClientMessages = scratch.RecentClientMessages;
                State.OpenToolCalls = scratch.OpenToolCalls;
                State.HistoryLoaded = true;
                return;
            }

            var before = scratch.LastSeq;
            await foreach (var stored in log.ReadAsync(grainId, scratch.LastSeq + 1, cancellationToken))
            {
                // Never past what this activation has folded: the log may already hold an event being recorded.
                SessionProjection.Apply(scratch, SessionJson.DeserializeEnvelope(stored.Json));
                if (scratch.LastSeq >= State.LastSeq)
                {
                    break;
                }
            }

            if (scratch.LastSeq == before && scratch.LastSeq < State.LastSeq)
            {
                throw new InvalidOperationException($"Session '{grainId.Key}': the log ends at event {scratch.LastSeq}, but the session is at {State.LastSeq}.");
            }
        }
    }

    /// <summary>
    /// The longest log whose history view a session at rest drops (<see cref="ReleaseHistory"/>): 1,000 events, which
    /// the next turn rebuilds in ~3–4 ms (docs/benchmarks.md, session resume). A longer session keeps its view: its
    /// rebuild would cost each turn of a client that does not hold a stream open more than the memory saves.
    /// </summary>
    public const int ReleaseHistoryMaxEvents = 1000;

    /// <summary>
    /// At rest, drops the history view (conversation, deferred messages, idempotency keys: most of an idle session's
    /// memory) when the log can rebuild it (<see cref="EnsureHistoryAsync"/>): the log holds every event, the snapshot
    /// does not carry the view, and the log is at most <see cref="ReleaseHistoryMaxEvents"/> events long. The state is
    /// then the same as after an activation from the snapshot. True when it was dropped.
    /// </summary>
    public bool ReleaseHistory()
    {
        if (!State.HistoryLoaded || !_logComplete || State.HistoryInSnapshot || State.LastSeq > ReleaseHistoryMaxEvents)
        {
            return false;
        }

        State.HistoryLoaded = false;
        State.Conversation = [];
        State.Deferred = [];
        State.RecentClientMessages = [];
        return true;
    }

    /// <summary>Up to <paramref name="limit"/> stored events after <paramref name="afterSeq"/>.</summary>
    public async Task<StoredEventsPage> PageAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>(Math.Min(limit, 256));
        var hasMore = false;
        await foreach (var stored in log.ReadAsync(grainId, afterSeq + 1, cancellationToken))
        {
            if (events.Count == limit)
            {
                hasMore = true;
                break;
            }

            events.Add(stored);
        }

        return new StoredEventsPage(events, events.Count == 0 ? afterSeq : events[^1].Seq, hasMore);
    }

    /// <summary>The events from <paramref name="from"/> through <paramref name="to"/>, from the log (for stream readers catching up).</summary>
    public async IAsyncEnumerable<SessionEventEnvelope> ReadRangeAsync(long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in log.ReadAsync(grainId, from, cancellationToken))
        {
            if (stored.Seq > to)
            {
                yield break;
            }

            yield return SessionJson.DeserializeEnvelope(stored.Json);
        }
    }

    /// <summary>Deletes the log (archive included) and the snapshot.</summary>
    public async Task DeleteAsync()
    {
        await log.DeleteAsync(grainId);
        await snapshot.ClearStateAsync();
    }
}

/// <summary>A text delta ordered in the log: its envelope, whether it may be shown before it is durable, and its durability.</summary>
internal readonly record struct OrderedDelta(SessionEventEnvelope Envelope, bool MayShowEarly, Task Durable);
