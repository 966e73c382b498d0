namespace Duragent.Sessions;

/// <summary>
/// Posts work from outside the grain's turns into its mailbox (see <see cref="ISessionTurns"/>). The work itself stays
/// in this activation's memory, under a fresh id; only the id travels in the call, so nothing but a <see cref="Guid"/>
/// is serialized, and a post that reaches a later activation (the first one ended meanwhile) finds no work and is
/// ignored: the event log and recovery cover whatever that work would have recorded.
/// </summary>
/// <remarks>
/// The table of posted work exists only while a post is in flight: an idle session (most sessions, most of the time)
/// holds no table at all (a concurrent dictionary cost ~600 bytes per session).
/// </remarks>
internal sealed class SessionTurnPost(ISessionTurns self)
{
    private readonly Lock _gate = new();
    private Dictionary<Guid, Func<Task>>? _posted;

    /// <summary>
    /// Queues <paramref name="work"/> as a turn of the grain and completes when that turn has run (with its exception,
    /// if it threw). Callable from any thread; never from a turn of the grain itself (it would wait for itself).
    /// </summary>
    public async Task RunAsync(Func<Task> work)
    {
        while (true)
        {
            var id = Guid.NewGuid();
            lock (_gate)
            {
                (_posted ??= [])[id] = work;
            }

            try
            {
                await self.RunPostedAsync(id);
                return;
            }
            catch (TimeoutException) when (TryTake(id, out _))
            {
                // The call waited behind other calls past the response timeout and its work has not started (Orleans
                // drops an expired call when it reaches the grain): post the work again, or it is lost while this
                // activation still counts it as running.
            }
            finally
            {
                TryTake(id, out _);
            }
        }
    }

    /// <summary>The grain side of <see cref="RunAsync"/>.</summary>
    public Task RunPostedAsync(Guid postId) =>
        TryTake(postId, out var work) ? work() : Task.CompletedTask;

    /// <summary>The number of posts in flight (for tests).</summary>
    internal int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _posted?.Count ?? 0;
            }
        }
    }

    private bool TryTake(Guid postId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Func<Task>? work)
    {
        lock (_gate)
        {
            if (_posted is null || !_posted.Remove(postId, out work))
            {
                work = null;
                return false;
            }

            if (_posted.Count == 0)
            {
                _posted = null;
            }

            return true;
        }
    }
}
