using Duragent.Sessions;

namespace Duragent.Gateway.Http.Sse;

/// <summary>
/// Holds an attach on a session for as long as an HTTP request lives: a stream positioned after every possible event,
/// so it never yields anything, opened with <see cref="StreamOptions.Attach"/>. When the request ends the token
/// cancels the stream and the session counts one attached client less (its <c>on_disconnect</c> applies when it was
/// the last). If this process dies instead, Orleans drops the stream's enumerator after its idle timeout, with the
/// same effect.
/// </summary>
internal static class AttachHold
{
    // A seq no session reaches, far enough from long.MaxValue that seq arithmetic cannot overflow.
    private const long AfterEverything = long.MaxValue / 4;

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or the session ends; never throws.</summary>
    public static async Task RunAsync(ISessionGrain session, string client, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in session.StreamAsync(new StreamOptions(AfterEverything, Attach: true, client), cancellationToken))
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The request ended.
        }
        catch (Exception)
        {
            // The session was deleted or its silo went away: nothing is attached any more.
        }
    }
}
