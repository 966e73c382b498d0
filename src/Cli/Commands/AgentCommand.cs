using System.CommandLine;
using Duragent.Agents;
using Duragent.Agents.Templates;
using Duragent.Cli.Output;
using Duragent.Configuration;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent agent create|list|show|validate</c>.</summary>
internal static class AgentCommand
{
    public static Command Create(CommandBinder binder)
    {
        var command = new Command("agent", "Create, list, show and validate agents");
        command.Add(CreateCreate(binder));
        command.Add(CreateList(binder));
        command.Add(CreateShow(binder));
        command.Add(CreateValidate(binder));
        return command;
    }

    private static Command CreateCreate(CommandBinder binder)
    {
        var name = new Argument<string>("NAME") { Description = "The agent's name (its directory name)" };
        var provider = AgentOptions.Provider();
        var model = new Option<string?>("--model") { Description = $"The model (default: {AgentTemplates.DefaultModelsHelp})", HelpName = "MODEL" };
        var description = new Option<string?>("--description") { Description = "A one-line description", HelpName = "TEXT" };
        var noInteractive = new Option<bool>("--no-interactive") { Description = "Do not ask; use the flags and defaults" };
        var command = new Command("create", "Scaffold a new agent in the workspace's agents directory") { name, provider, model, description, noInteractive };
        binder.Bind(command, context =>
        {
            var workspace = context.RequireWorkspace();
            var agentName = context.GetValue(name)!;
            AgentOptions.ValidateName(agentName);
            var interactive = !context.GetValue(noInteractive) && context.Console.InputIsTerminal;
            var providerName = context.GetValue(provider) ?? (interactive
                ? Prompter.Ask(context.Console, $"Provider ({string.Join('|', ModelProviders.Names)})", ModelProviders.ToName(AgentTemplates.DefaultProvider), AgentOptions.CheckProvider)
                : ModelProviders.ToName(AgentTemplates.DefaultProvider));
            var chosenProvider = AgentOptions.ParseProvider(providerName);
            var defaultModel = AgentTemplates.DefaultModelFor(chosenProvider);
            var modelName = context.GetValue(model) ?? (interactive ? Prompter.Ask(context.Console, "Model", defaultModel) : defaultModel);

            var home = Path.Combine(workspace.AgentsDirectory, agentName);
            var result = Scaffolder.Write(home, [], AgentTemplates.ForAgent(agentName, chosenProvider, modelName, context.GetValue(description)));
            context.Console.Out.WriteLine($"Agent {agentName} in {home}:");
            result.WriteTo(context.Console.Out, home);
            if (result.Created.Count == 0)
            {
                context.Console.Out.WriteLine("Nothing written: every file exists already.");
            }
            else
            {
                context.Console.Out.WriteLine(AgentTemplates.CredentialHint(chosenProvider));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateList(CommandBinder binder)
    {
        var command = new Command("list", "List the server's agents (starts the workspace's server if needed)");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var agents = await connection.Client.ListAgentsAsync(cancellationToken);
            if (agents.Count == 0)
            {
                context.Console.Out.WriteLine("No agents found.");
                return ExitCodes.Success;
            }

            var table = new TextTable("NAME", "MODEL", "STATUS", "DESCRIPTION");
            foreach (var agent in agents)
            {
                var model = agent.Model is null ? string.Empty : $"{agent.Model.Provider}/{agent.Model.Name}";
                var status = !agent.Valid ? $"invalid ({Names.Count(agent.Errors.Count, "error")})"
                    : agent.Warnings is { Count: > 0 } warnings ? $"ok ({Names.Count(warnings.Count, "warning")})" : "ok";
                table.AddRow(agent.Name, model, status, agent.Description);
            }

            table.WriteTo(context.Console.Out);
            foreach (var agent in agents.Where(a => !a.Valid))
            {
                foreach (var error in agent.Errors)
                {
                    context.Console.Error.WriteLine($"{agent.Name}: {error}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow(CommandBinder binder)
    {
        var name = new Argument<string>("NAME") { Description = "The agent's name" };
        var prompt = new Option<bool>("--prompt") { Description = "Print the assembled system prompt, part by part with each part's source file" };
        var command = new Command("show", "Show an agent as the server loaded it (starts the workspace's server if needed)") { name, prompt };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            var agentName = context.GetValue(name)!;
            AgentOptions.ValidateName(agentName);
            await using var connection = await context.ConnectAsync(cancellationToken);
            var output = context.Console.Out;
            if (context.GetValue(prompt))
            {
                var view = await connection.Client.Node.GetAgentPromptAsync(agentName).WaitAsync(cancellationToken);
                if (!view.Exists)
                {
                    throw new CliException($"No agent named '{agentName}'; `duragent agent list` shows the agents.");
                }

                if (view.Errors.Count > 0)
                {
                    WriteDiagnostics(context.Console.Error, view.Name, view.Errors);
                    return ExitCodes.Error;
                }

                foreach (var part in view.Parts)
                {
                    output.WriteLine($"=== {part.Title} ({string.Join(", ", part.Sources.DefaultIfEmpty("generated"))}) ===");
                    output.WriteLine(part.Text);
                    output.WriteLine();
                }

                WriteDiagnostics(context.Console.Error, view.Name, view.Warnings);
                return ExitCodes.Success;
            }

            var lookup = await connection.Client.GetAgentAsync(agentName, cancellationToken);
            if (!lookup.Exists)
            {
                throw new CliException($"No agent named '{agentName}'; `duragent agent list` shows the agents.");
            }

            if (lookup.Detail is not { } detail)
            {
                WriteDiagnostics(context.Console.Error, lookup.Name, lookup.Errors);
                return ExitCodes.Error;
            }

            output.WriteLine($"Name:        {detail.Metadata.Name}");
            output.WriteLine($"Description: {detail.Metadata.Description ?? "-"}");
            output.WriteLine($"Model:       {detail.Spec.Model.Provider}/{detail.Spec.Model.Name}");
            output.WriteLine($"Tools:       {(detail.Spec.Tools.Count == 0 ? "none" : string.Join(", ", detail.Spec.Tools.Select(t => $"{t.Name} ({t.Type})")))}");
            WriteDiagnostics(context.Console.Error, detail.Metadata.Name, detail.Warnings);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteDiagnostics(TextWriter writer, string agent, IReadOnlyList<string> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            writer.WriteLine($"{agent}: {diagnostic}");
        }
    }

    private static Command CreateValidate(CommandBinder binder)
    {
        var path = new Argument<string?>("PATH") { Description = "An agent directory or agent.yaml (default: every agent of the workspace)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("validate", "Check agent definitions and print every error and warning with its location") { path };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            var target = context.GetValue(path);
            IReadOnlyList<AgentLoadResult> results;
            if (target is not null)
            {
                var full = Path.GetFullPath(target);
                if (!Directory.Exists(full) && !File.Exists(full))
                {
                    throw new CliException($"No agent at {full}: expected an agent directory or its agent.yaml.");
                }

                // Validation reads only the given agent; the catalog's own directory does not matter.
                var catalog = new FileAgentCatalog(Path.GetDirectoryName(full) ?? full);
                results = [await catalog.ValidateAsync(full, cancellationToken)];
            }
            else
            {
                var workspace = context.RequireWorkspace();
                var catalog = new FileAgentCatalog(workspace.AgentsDirectory);
                results = await catalog.ListAsync(cancellationToken);
                if (results.Count == 0)
                {
                    throw new CliException($"No agents in {workspace.AgentsDirectory} (each agent is a directory with an agent.yaml).");
                }
            }

            var output = context.Console.Out;
            var failed = false;
            foreach (var result in results)
            {
                // The agent's schedules.yaml is part of the agent: its problems are listed (and counted) with the agent's.
                var schedules = AgentScheduleFile.Load(result.HomeDirectory, result.Name);
                var diagnostics = result.Diagnostics.Concat(schedules.Diagnostics).ToList();
                var errors = diagnostics.Count(d => d.IsError);
                var warnings = diagnostics.Count - errors;
                failed |= errors > 0;
                output.WriteLine(errors > 0
                    ? $"✗ {result.Name}: {Names.Count(errors, "error")}, {Names.Count(warnings, "warning")} ({result.SourceFile})"
                    : $"✓ {result.Name}: valid{(warnings > 0 ? $", {Names.Count(warnings, "warning")}" : string.Empty)} ({result.SourceFile})");
                foreach (var diagnostic in diagnostics)
                {
                    output.WriteLine($"  {diagnostic}");
                }
            }

            return failed ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A diagnostic as the API sends it: a string, or an object with a message (and maybe a location).</summary>
}
