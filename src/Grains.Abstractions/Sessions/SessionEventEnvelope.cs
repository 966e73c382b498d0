using Duragent.Sessions.Events;

namespace Duragent.Sessions;

/// <summary>
/// A session event with its envelope. <see cref="Json"/> is the event exactly as stored (one log line without the
/// newline): the SSE gateway sends it verbatim as <c>data</c>.
/// </summary>
public sealed record SessionEventEnvelope(long Seq, DateTimeOffset Timestamp, string Type, SessionEvent Event, ReadOnlyMemory<byte> Json);
