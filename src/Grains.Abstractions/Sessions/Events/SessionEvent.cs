namespace Duragent.Sessions.Events;

/// <summary>
/// A fact recorded in a session's event log. Every event is stored as one JSON line with the envelope
/// (<c>seq</c>, <c>ts</c>, <c>type</c>) followed by the event's own fields in snake_case; the same JSON is the
/// <c>data</c> of the SSE event whose <c>id</c> is the <c>seq</c>. The type names are listed in
/// <see cref="SessionEventTypes"/>; they are durable identifiers and never change.
/// </summary>
public abstract record SessionEvent;

/// <summary>An event whose type this version does not know (written by a newer version). Kept, never dropped.</summary>
public sealed record UnknownSessionEvent(string TypeName) : SessionEvent;
