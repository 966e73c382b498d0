using Duragent.Integration.Tests.Http;
using Duragent.Sessions;

namespace Duragent.Integration.Tests.Sessions;

/// <summary>Reads a session's events from a running <c>duragent serve</c> over HTTP.</summary>
internal static class ServerEvents
{
    /// <summary>Every stored event of the session, page by page.</summary>
    public static async Task<List<SessionEventEnvelope>> AllAsync(HttpApiClient client, string sessionId)
    {
        var all = new List<SessionEventEnvelope>();
        long after = 0;
        while (true)
        {
            var page = await client.GetEventsAsync(sessionId, after);
            all.AddRange(page.Events);
            after = page.NextAfter;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    /// <summary>The first event (replayed from seq 0, then live) that <paramref name="match"/> accepts.</summary>
    public static async Task<SessionEventEnvelope> WaitForAsync(HttpApiClient client, string sessionId, Func<SessionEventEnvelope, bool> match, string what, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var e in client.StreamEventsAsync(sessionId, new HttpStreamOptions { AfterSeq = 0, Attach = false }, cts.Token))
            {
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
    }
}
