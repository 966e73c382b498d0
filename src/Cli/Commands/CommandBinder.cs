using System.CommandLine;
using Duragent.Cli.Output;

namespace Duragent.Cli.Commands;

/// <summary>Binds command handlers to a fresh <see cref="CliContext"/> per invocation.</summary>
internal sealed class CommandBinder(GlobalOptions globals, CliConsole console)
{
    public GlobalOptions Globals { get; } = globals;

    public CliConsole Console { get; } = console;

    public void Bind(Command command, Func<CliContext, CancellationToken, Task<int>> handler)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(handler);
        command.SetAction((parseResult, cancellationToken) => handler(new CliContext(parseResult, Globals, Console), cancellationToken));
    }

    public void Bind(Command command, Func<CliContext, int> handler)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(handler);
        command.SetAction(parseResult => handler(new CliContext(parseResult, Globals, Console)));
    }
}
