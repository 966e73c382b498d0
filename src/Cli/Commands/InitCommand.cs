using System.CommandLine;
using Duragent.Agents;
using Duragent.Agents.Templates;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent init [PATH]</c>: a new workspace with one agent. Never overwrites a file.</summary>
internal static class InitCommand
{
    public static Command Create(CommandBinder binder)
    {
        var path = new Argument<string>("PATH") { Description = "Where to create the workspace (gets duragent.yaml)", DefaultValueFactory = _ => "." };
        var agentName = new Option<string?>("--agent-name") { Description = $"The first agent's name (default {AgentTemplates.DefaultAgentName})", HelpName = "NAME" };
        var provider = AgentOptions.Provider();
        var model = new Option<string?>("--model") { Description = $"The model (default: {AgentTemplates.DefaultModelsHelp})", HelpName = "MODEL" };
        var noInteractive = new Option<bool>("--no-interactive") { Description = "Do not ask; use the flags and defaults" };
        var command = new Command("init", "Create a workspace: duragent.yaml, .duragent/ and a first agent") { path, agentName, provider, model, noInteractive };
        binder.Bind(command, context =>
        {
            var root = Path.GetFullPath(context.GetValue(path) ?? ".");
            var interactive = !context.GetValue(noInteractive) && context.Console.InputIsTerminal;
            var name = context.GetValue(agentName) ?? (interactive ? Prompter.Ask(context.Console, "Agent name", AgentTemplates.DefaultAgentName, AgentOptions.CheckName) : AgentTemplates.DefaultAgentName);
            AgentOptions.ValidateName(name);
            var providerName = context.GetValue(provider) ?? (interactive
                ? Prompter.Ask(context.Console, $"Provider ({string.Join('|', ModelProviders.Names)})", ModelProviders.ToName(AgentTemplates.DefaultProvider), AgentOptions.CheckProvider)
                : ModelProviders.ToName(AgentTemplates.DefaultProvider));
            var chosenProvider = AgentOptions.ParseProvider(providerName);
            var defaultModel = AgentTemplates.DefaultModelFor(chosenProvider);
            var modelName = context.GetValue(model) ?? (interactive ? Prompter.Ask(context.Console, "Model", defaultModel) : defaultModel);

            var result = Scaffolder.Write(root, AgentTemplates.WorkspaceDirectories, AgentTemplates.ForWorkspace(name, chosenProvider, modelName));
            var output = context.Console.Out;
            output.WriteLine($"Workspace {root}:");
            result.WriteTo(output, root);
            output.WriteLine();
            output.WriteLine(AgentTemplates.CredentialHint(chosenProvider));
            output.WriteLine("Web search needs BRAVE_API_KEY (optional).");
            var cd = root == Path.GetFullPath(".") ? string.Empty : $"cd {Path.GetRelativePath(Environment.CurrentDirectory, root)} && ";
            output.WriteLine($"Next: {cd}duragent chat --agent {name}");
            return ExitCodes.Success;
        });
        return command;
    }
}
