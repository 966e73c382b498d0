using System.Collections.Concurrent;

namespace Duragent.Sessions;

/// <summary>
/// Posts work from outside the grain's turns into its mailbox (see <see cref="ISessionTurns"/>). The work itself stays
/// in this activation's memory, under a fresh id; only the id travels in the call, so nothing but a <see cref="Guid"/>
/// is serialized, and a post that reaches a later activation (the first one ended meanwhile) finds no work and is
/// ignored: the event log and recovery cover whatever that work would have recorded.
/// </summary>
internal sealed class SessionTurnPost(ISessionTurns self)
{
    private readonly ConcurrentDictionary<Guid, Func<Task>> _posted = new();

    /// <summary>
    /// Queues <paramref name="work"/> as a turn of the grain and completes when that turn has run (with its exception,
    /// if it threw). Callable from any thread; never from a turn of the grain itself (it would wait for itself).
    /// </summary>
    public async Task RunAsync(Func<Task> work)
    {
        while (true)
        {
            var id = Guid.NewGuid();
            _posted[id] = work;
            try
            {
                await self.RunPostedAsync(id);
                return;
            }
            catch (TimeoutException) when (_posted.TryRemove(id, out _))
            {
                // The call waited behind other calls past the response timeout and its work has not started (Orleans
                // drops an expired call when it reaches the grain): post the work again, or it is lost while this
                // activation still counts it as running.
            }
            finally
            {
                _posted.TryRemove(id, out _);
            }
        }
    }

    /// <summary>The grain side of <see cref="RunAsync"/>.</summary>
    public Task RunPostedAsync(Guid postId) =>
        _posted.TryRemove(postId, out var work) ? work() : Task.CompletedTask;
}
