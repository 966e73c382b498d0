using System.Runtime.CompilerServices;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Orleans.Runtime;

namespace Duragent.Sessions;

/// <summary>
/// A session's durable record, used by its grain only: appends events to the session's log (durable before the append
/// returns) and folds them into <see cref="State"/>; writes the <c>state.yaml</c> snapshot and compacts the log behind
/// it; rebuilds the history view (<see cref="SessionState"/> remarks) from the log the first time it is needed. Record
/// before acting: nothing here changes the state except by an event that is already durable.
/// </summary>
internal sealed class SessionJournal(
    IPersistentState<SessionState> snapshot,
    IEventLogStorage log,
    GrainId grainId,
    SessionOptions options,
    TimeProvider clock)
{
    private long _snapshotSeq;
    private long _compactedSeq;
    private bool _logComplete = true;

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

        var replayed = 0;
        await foreach (var stored in log.ReadAsync(grainId, State.LastSeq + 1, cancellationToken))
        {
            SessionProjection.Apply(State, SessionJson.DeserializeEnvelope(stored.Json));
            replayed++;
        }

        State.SessionId = sessionId;
        _snapshotSeq = snapshot.RecordExists ? State.LastSeq - replayed : 0;
        _compactedSeq = info.FirstSeq - 1;
        _logComplete = info.FirstSeq <= 1;
        return replayed;
    }

    /// <summary>Appends <paramref name="events"/> durably (the expected-seq fence included) and folds them.</summary>
    public async Task<SessionEventEnvelope[]> AppendAsync(IReadOnlyList<SessionEvent> events)
    {
        var now = clock.GetUtcNow();
        var first = State.LastSeq + 1;
        var batch = new EventToAppend[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            batch[i] = new EventToAppend(SessionEventTypes.NameOf(events[i]), now, SessionJson.SerializePayload(events[i]));
        }

        await log.AppendAsync(grainId, first, batch);
        var envelopes = new SessionEventEnvelope[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            envelopes[i] = new SessionEventEnvelope(first + i, now, batch[i].Type, events[i], SessionJson.SerializeEnvelope(first + i, now, events[i]));
            SessionProjection.Apply(State, envelopes[i]);
        }

        return envelopes;
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
