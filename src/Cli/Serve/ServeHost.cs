using Duragent.Cli.Output;

namespace Duragent.Cli.Serve;

// Placeholder until the HTTP gateway (wip/http) is merged into main; replaced by the real host then.
internal static class ServeHost
{
    public static Task<int> RunAsync(ServeSettings settings, CliConsole console, CancellationToken cancellationToken) =>
        throw new CliException("serve: the HTTP gateway is not part of this build yet.");
}
