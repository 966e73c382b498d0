using Orleans.Runtime;

namespace Duragent.Cli.Serve;

/// <summary>
/// Grain calls from the CLI (an Orleans client in another process) as activity for idle shutdown, like HTTP requests:
/// a call in flight keeps an ephemeral server up, and its end counts as the last activity. The CLI marks its calls
/// with <see cref="CliCallMarker"/> in the request context. Other calls do not count: between grains (reminder ticks,
/// a session's own work), and from the silo's own services (recovery at start, the HTTP gateway, which counts its
/// requests itself), which Orleans also reports as client calls (the silo's hosted client).
/// </summary>
internal sealed class ClientCallActivity(RequestActivity requests) : IIncomingGrainCallFilter
{
    /// <summary>The request-context key the CLI sets on its calls.</summary>
    public const string CliCallMarker = "duragent.cli";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (RequestContext.Get(CliCallMarker) is null)
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
