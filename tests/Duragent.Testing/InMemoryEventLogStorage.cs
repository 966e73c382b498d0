using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Duragent.Runtime;
using Duragent.Storage;

namespace Duragent.Testing;

/// <summary>
/// <see cref="IEventLogStorage"/> in memory, faithful to the contract: appends carry the expected next sequence
/// number (any other value throws <see cref="InconsistentStateException"/> and stores nothing), batches are atomic,
/// payloads must be JSON objects without the envelope fields, and compaction keeps, archives or discards.
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
        lock (_lock)
        {
            return Task.FromResult(_logs.TryGetValue(grainId, out var log) ? new EventLogInfo(log.FirstSeq, log.NextSeq) : new EventLogInfo(1, 1));
        }
    }

    public Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
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

    public async IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
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
        if (mode == CompactionMode.Keep)
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            if (_logs.TryGetValue(grainId, out var log))
            {
                var compacted = log.Live.Where(e => e.Seq <= throughSeq).ToList();
                log.Live.RemoveAll(e => e.Seq <= throughSeq);
                if (mode == CompactionMode.Archive)
                {
                    log.Archive.AddRange(compacted);
                }
                else
                {
                    log.FirstSeq = Math.Max(log.FirstSeq, Math.Min(throughSeq + 1, log.NextSeq));
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
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
