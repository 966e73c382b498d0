using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Duragent.Storage;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Testing;

/// <summary>
/// <see cref="IEventLogStorage"/> in memory, faithful to the contract: appends carry the expected next sequence
/// number (any other value throws Orleans' <see cref="InconsistentStateException"/> and stores nothing), batches are
/// atomic, payloads must be JSON objects without the envelope fields, compaction keeps, archives or discards, and
/// grain types and keys must be valid <see cref="GrainKey"/>s.
/// </summary>
public sealed class InMemoryEventLogStorage : IEventLogStorage
{
    private static readonly string[] s_envelopeFields = ["seq", "ts", "type"];

    private readonly Lock _lock = new();
    private readonly Dictionary<GrainId, Log> _logs = [];

    /// <summary>Grain ids with a log, for <see cref="InMemoryGrainCatalog"/>.</summary>
    public IReadOnlyList<GrainId> GrainIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _logs.Keys];
            }
        }
    }

    public Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        InMemoryKeys.Check(grainId);
        lock (_lock)
        {
            return Task.FromResult(_logs.TryGetValue(grainId, out var log) ? new EventLogInfo(log.FirstSeq, log.NextSeq) : new EventLogInfo(1, 1));
        }
    }

    public Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        InMemoryKeys.Check(grainId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var nextSeq = _logs.TryGetValue(grainId, out var existing) ? existing.NextSeq : 1;
            if (expectedNextSeq != nextSeq)
            {
                throw new InconsistentStateException(
                    $"Cannot append to the event log of grain {grainId}: expected next sequence number {expectedNextSeq} but the log is at {nextSeq}.",
                    nextSeq.ToString(CultureInfo.InvariantCulture),
                    expectedNextSeq.ToString(CultureInfo.InvariantCulture));
            }

            var stored = new List<StoredEvent>(events.Count);
            var seq = nextSeq;
            foreach (var e in events)
            {
                stored.Add(Envelope(grainId, seq++, e));
            }

            var log = existing ?? (_logs[grainId] = new Log());
            log.Live.AddRange(stored);
            log.NextSeq = seq;
            return Task.FromResult(seq);
        }
    }

    /// <summary>Appends at once (memory is "durable" immediately); the reservation is checked and otherwise has no effect: this log never restarts.</summary>
    public async Task<OrderedAppend> AppendOrderedAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, long reserveThrough = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (reserveThrough != 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(reserveThrough, expectedNextSeq + events.Count - 1);
        }

        var next = await AppendAsync(grainId, expectedNextSeq, events, cancellationToken);
        return new OrderedAppend(next, Task.CompletedTask);
    }

    public async IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        InMemoryKeys.Check(grainId);
        StoredEvent[] snapshot;
        lock (_lock)
        {
            snapshot = _logs.TryGetValue(grainId, out var log)
                ? [.. log.Archive.Concat(log.Live).Where(e => e.Seq >= fromSeq)]
                : [];
        }

        foreach (var e in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask;
    }

    public Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default)
    {
        InMemoryKeys.Check(grainId);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown compaction mode.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(throughSeq);
        if (mode == CompactionMode.Keep)
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            var log = _logs.GetValueOrDefault(grainId);
            var nextSeq = log?.NextSeq ?? 1;
            if (throughSeq >= nextSeq)
            {
                throw new ArgumentOutOfRangeException(nameof(throughSeq), throughSeq,
                    $"Cannot compact the event log of grain {grainId} through seq {throughSeq}: its last event is {nextSeq - 1}.");
            }

            if (log is null)
            {
                return Task.CompletedTask;
            }

            var compacted = log.Live.Where(e => e.Seq <= throughSeq).ToList();
            log.Live.RemoveAll(e => e.Seq <= throughSeq);
            if (mode == CompactionMode.Archive)
            {
                log.Archive.AddRange(compacted);
            }
            else
            {
                log.Archive.RemoveAll(e => e.Seq <= throughSeq);
                log.FirstSeq = Math.Max(log.FirstSeq, throughSeq + 1);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        InMemoryKeys.Check(grainId);
        lock (_lock)
        {
            _logs.Remove(grainId);
        }

        return Task.CompletedTask;
    }

    private static StoredEvent Envelope(GrainId grainId, long seq, EventToAppend e)
    {
        if (string.IsNullOrEmpty(e.Type))
        {
            throw new ArgumentException($"Event {seq} for grain {grainId} has no type.", nameof(e));
        }

        using var payload = ParsePayload(grainId, seq, e);
        var timestamp = new DateTimeOffset(e.Timestamp.UtcTicks - (e.Timestamp.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", seq);
            writer.WriteString("ts", timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("type", e.Type);
            foreach (var property in payload.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return new StoredEvent(seq, timestamp, e.Type, buffer.WrittenMemory.ToArray());
    }

    private static JsonDocument ParsePayload(GrainId grainId, long seq, EventToAppend e)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(e.Payload);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Event {seq} ({e.Type}) for grain {grainId}: the payload is not valid JSON: {ex.Message}", nameof(e), ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ArgumentException($"Event {seq} ({e.Type}) for grain {grainId}: the payload must be a JSON object.", nameof(e));
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            var name = property.Name;
            if (s_envelopeFields.Contains(name))
            {
                document.Dispose();
                throw new ArgumentException($"Event {seq} ({e.Type}) for grain {grainId}: the payload must not contain the envelope field '{name}'.", nameof(e));
            }
        }

        return document;
    }

    private sealed class Log
    {
        public List<StoredEvent> Live { get; } = [];

        public List<StoredEvent> Archive { get; } = [];

        public long FirstSeq { get; set; } = 1;

        public long NextSeq { get; set; } = 1;
    }
}
