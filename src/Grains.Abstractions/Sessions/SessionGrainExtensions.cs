using Orleans.Runtime;

namespace Duragent.Sessions;

/// <summary>Calls on <see cref="ISessionGrain"/> that outlive one activation of the session.</summary>
public static class SessionGrainExtensions
{
    /// <summary>How many times <see cref="WaitForTurnAcrossActivationsAsync"/> calls again after the activation went away.</summary>
    public const int MaxReactivations = 5;

    /// <summary>
    /// <see cref="ISessionGrain.WaitForTurnAsync"/>, called again when the session's activation ends under the wait
    /// (<see cref="SessionDeactivatedException"/>: a silo stopping or the activation migrating; or
    /// <see cref="SiloUnavailableException"/>: the silo holding it died). Waiting has no side effect, so calling again
    /// is safe; the new call activates the session (on a live silo), whose activation recovers the turn.
    /// </summary>
    public static async Task<TurnResult> WaitForTurnAcrossActivationsAsync(this ISessionGrain session, long messageSeq, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await session.WaitForTurnAsync(messageSeq, cancellationToken);
            }
            catch (Exception ex) when (ex is SessionDeactivatedException or SiloUnavailableException
                && attempt <= MaxReactivations && !cancellationToken.IsCancellationRequested)
            {
                // Give the cluster a moment: a stopping silo finishes deactivating, a dead one leaves the directory.
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
        }
    }
}
