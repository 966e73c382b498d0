using System.CommandLine;
using Duragent.Agents;
using Duragent.Agents.Templates;

namespace Duragent.Cli.Commands;

/// <summary>The agent flags shared by <c>init</c> and <c>agent create</c>.</summary>
internal static class AgentOptions
{
    public static Option<string?> Provider()
    {
        var option = new Option<string?>("--provider")
        {
            Description = $"The model provider (default {ModelProviders.ToName(AgentTemplates.DefaultProvider)})",
            HelpName = "PROVIDER",
        };
        option.AcceptOnlyFromAmong([.. ModelProviders.Names]);
        return option;
    }

    public static string? CheckName(string name) => GrainKey.Check(name) is { } problem ? $"Invalid agent name '{name}': {problem}." : null;

    public static void ValidateName(string name)
    {
        if (CheckName(name) is { } problem)
        {
            throw new CliException(problem, ExitCodes.Usage);
        }
    }

    public static string? CheckProvider(string name) =>
        ModelProviders.TryParse(name, out _) ? null : $"Unknown provider '{name}'; expected one of {string.Join(", ", ModelProviders.Names)}.";

    public static ModelProvider ParseProvider(string name) =>
        ModelProviders.TryParse(name, out var provider) ? provider : throw new CliException(CheckProvider(name)!, ExitCodes.Usage);
}
