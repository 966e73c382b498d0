using System.CommandLine;
using System.CommandLine.Invocation;
using Duragent.Cli.Commands;

namespace Duragent.Cli;

/// <summary>The command tree of <c>duragent</c>.</summary>
internal static class DuragentCommandLine
{
    public static RootCommand Create(CommandBinder binder)
    {
        ArgumentNullException.ThrowIfNull(binder);
        var root = new RootCommand("Duragent: durable, portable AI agents. Agents are files; sessions survive crashes.");
        binder.Globals.AddTo(root);
        var version = root.Options.OfType<VersionOption>().Single();
        version.Description = "Show the version, commit and build date";
        version.Action = new VersionAction(binder);
        root.Add(InitCommand.Create(binder));
        root.Add(ServeCommand.Create(binder));
        root.Add(AgentCommand.Create(binder));
        root.Add(ChatCommand.Create(binder));
        root.Add(AttachCommand.Create(binder));
        root.Add(SessionCommand.Create(binder));
        root.Add(ScheduleCommand.Create(binder));
        root.Add(TokenCommand.Create(binder));
        root.Add(DoctorCommand.Create(binder));
        root.Add(DbCommand.Create(binder));
        root.Add(CompletionsCommand.Create(binder));
        return root;
    }

    private sealed class VersionAction(CommandBinder binder) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            binder.Console.Out.WriteLine(BuildInfo.Describe());
            return ExitCodes.Success;
        }
    }
}
