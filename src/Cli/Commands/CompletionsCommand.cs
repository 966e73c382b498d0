using System.CommandLine;
using Duragent.Cli.Completions;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent completions bash|zsh|fish|pwsh</c>: a completion script generated from the command tree.</summary>
internal static class CompletionsCommand
{
    public static Command Create(CommandBinder binder)
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh, fish or pwsh" };
        shell.AcceptOnlyFromAmong([.. CompletionScripts.Shells, "powershell"]);
        var command = new Command("completions", "Print a shell completion script (bash: source <(duragent completions bash))") { shell };
        binder.Bind(command, context =>
        {
            var nodes = CompletionModel.Build(context.RootCommand);
            context.Console.Out.Write(CompletionScripts.Generate(context.GetValue(shell)!, nodes));
            return ExitCodes.Success;
        });
        return command;
    }
}
