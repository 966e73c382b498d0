using Orleans.Runtime;

namespace Duragent.Cli.Serve;

/// <summary>
/// Grain calls from Orleans clients (the CLI) as activity for idle shutdown, like HTTP requests: a call in flight keeps
/// an ephemeral server up, and its end counts as the last activity. Calls between grains (reminder ticks, a session's
/// own work) do not count, so a server with nothing but its own timers still stops when idle.
/// </summary>
internal sealed class ClientCallActivity(RequestActivity requests) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is not { } source || !GrainTypePrefix.IsClient(source))
        {
            await context.Invoke();
            return;
        }

        requests.Begin();
        try
        {
            await context.Invoke();
        }
        finally
        {
            requests.End();
        }
    }
}
