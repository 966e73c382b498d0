namespace Duragent.Sessions;

/// <summary>
/// How a session's background work (an LLM stream, a tool process, the end of a stream) gets back into the grain: a
/// call to the grain itself, which Orleans queues behind the calls already waiting like any request. The work runs as
/// a turn of its own, never between the awaits of another call. Internal to the session; clients never call it.
/// </summary>
[Alias("duragent.session-turns")]
internal interface ISessionTurns : IGrainWithStringKey
{
    /// <summary>Runs the work posted under <paramref name="postId"/> by this activation; does nothing when it is unknown (posted by an earlier activation).</summary>
    Task RunPostedAsync(Guid postId);
}
