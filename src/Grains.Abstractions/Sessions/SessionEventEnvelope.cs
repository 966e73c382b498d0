using Duragent.Sessions.Events;

namespace Duragent.Sessions;

/// <summary>
/// One recorded event as readers see it: its <c>seq</c> (also the SSE id), time, type name and the stored JSON line
/// (envelope and fields). Only the JSON crosses grain boundaries; <see cref="Event"/> is parsed from it on first use.
/// </summary>
[GenerateSerializer]
[Alias("duragent.session-event")]
public sealed class SessionEventEnvelope
{
    [NonSerialized]
    private SessionEvent? _event;

    public SessionEventEnvelope(long seq, DateTimeOffset timestamp, string type, SessionEvent? sessionEvent, ReadOnlyMemory<byte> json)
    {
        Seq = seq;
        Timestamp = timestamp;
        Type = type;
        Json = json;
        _event = sessionEvent;
    }

    [Id(0)]
    public long Seq { get; init; }

    [Id(1)]
    public DateTimeOffset Timestamp { get; init; }

    [Id(2)]
    public string Type { get; init; }

    /// <summary>The stored line: <c>seq</c>, <c>ts</c>, <c>type</c> and the event's fields (snake_case JSON object), the <c>data</c> of its SSE event.</summary>
    [Id(3)]
    public ReadOnlyMemory<byte> Json { get; init; }

    /// <summary>The typed event (<see cref="UnknownSessionEvent"/> for a type this version does not know).</summary>
    public SessionEvent Event => _event ??= SessionJson.DeserializeEvent(Type, Json.Span);
}
