using Duragent.Cli.Client;
using Duragent.Security;

namespace Duragent.Cli.Commands;

/// <summary>
/// <c>duragent token</c>: prints the HTTP API token of this workspace's server (<c>server.api_token</c>, or the one the
/// running server generated in the runtime folder), alone on stdout for scripts. <c>duragent token rotate</c> asks the
/// running server (over the Orleans gateway, so only a holder of the workspace's client certificate can) to replace a
/// generated token; the old one stops working at once.
/// </summary>
internal static class TokenCommand
{
    public static System.CommandLine.Command Create(CommandBinder binder)
    {
        var command = new System.CommandLine.Command("token", "Print the HTTP API token of this workspace's server (for curl, scripts, browser clients)");
        binder.Bind(command, context =>
        {
            var workspace = context.RequireWorkspace();
            var token = ApiTokenStore.For(workspace)
                ?? throw new CliException(
                    $"No API token: no server of this workspace runs, or {workspace.ApiTokenFile} cannot be read by this user. " +
                    "A server generates one when it starts (`duragent serve`), unless server.api_token is set.");
            context.Console.Out.WriteLine(token);
            if (context.Verbosity >= 0)
            {
                context.Console.Error.WriteLine(
                    $"Send it as 'Authorization: Bearer <token>' to http://127.0.0.1:{workspace.Config.Server.Port}/api/v1/… " +
                    "A browser EventSource cannot send headers: get a short-lived URL token with POST /api/v1/sessions/{id}/stream-token " +
                    "and open …/sessions/{id}/stream?stream_token=<it> (docs/api.md, access).");
            }

            return ExitCodes.Success;
        });
        command.Add(CreateRotate(binder));
        return command;
    }

    private static System.CommandLine.Command CreateRotate(CommandBinder binder)
    {
        var command = new System.CommandLine.Command("rotate", "Replace the generated HTTP API token of the running server; the old one stops working at once");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            var workspace = context.RequireWorkspace();
            if (!string.IsNullOrEmpty(workspace.Config.Server.ApiToken))
            {
                throw new CliException($"The API token is server.api_token in {workspace.ConfigFile}: change it there and restart the server.");
            }

            await using var client = await context.ConnectRunningAsync(cancellationToken);
            if (client is null)
            {
                // A server that died without cleaning up may have left its token: nobody accepts it any more.
                File.Delete(workspace.ApiTokenFile);
                context.Console.Out.WriteLine("No server runs for this workspace; the next one generates a new token when it starts.");
                return ExitCodes.Success;
            }

            await client.RotateApiTokenAsync(cancellationToken);
            context.Console.Out.WriteLine($"Rotated the API token of the server at {client.Gateway}: the old one no longer works. `duragent token` prints the new one.");
            return ExitCodes.Success;
        });
        return command;
    }
}
