using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;

namespace Duragent.Cli.Completions;

/// <summary>What a word after an option or in an argument's place can be.</summary>
internal enum ValueKind
{
    /// <summary>The option is a flag; no value follows.</summary>
    None,

    /// <summary>Free text; nothing to propose.</summary>
    Text,

    /// <summary>One of <see cref="CompletionOption.Values"/>.</summary>
    Choice,

    /// <summary>A file path.</summary>
    File,

    /// <summary>A directory path.</summary>
    Directory,
}

/// <summary>An option as completion scripts see it.</summary>
internal sealed record CompletionOption(IReadOnlyList<string> Names, string Description, ValueKind Value, IReadOnlyList<string> Values);

/// <summary>A subcommand name (or alias) and the command path it leads to.</summary>
internal sealed record CompletionSubcommand(string Name, string Description, string Path);

/// <summary>One command path (<c>duragent serve status</c>) with its subcommands, options and argument values.</summary>
internal sealed record CompletionNode(
    string Path,
    IReadOnlyList<CompletionSubcommand> Subcommands,
    IReadOnlyList<CompletionOption> Options,
    ValueKind ArgumentValue,
    IReadOnlyList<string> ArgumentValues);

/// <summary>The command tree flattened for completion scripts, from the real <see cref="RootCommand"/>.</summary>
internal static class CompletionModel
{
    public static IReadOnlyList<CompletionNode> Build(RootCommand root, string programName = "duragent")
    {
        ArgumentNullException.ThrowIfNull(root);
        var nodes = new List<CompletionNode>();
        Walk(root, programName, [], nodes);
        return nodes;
    }

    private static void Walk(Command command, string path, IReadOnlyList<Option> inherited, List<CompletionNode> nodes)
    {
        var recursive = inherited.Concat(command.Options.Where(o => o.Recursive)).ToList();
        var options = inherited.Concat(command.Options.Where(o => !o.Recursive)).Concat(command.Options.Where(o => o.Recursive))
            .Where(o => !o.Hidden)
            .Distinct()
            .Select(Describe)
            .ToList();
        var subcommands = command.Subcommands.Where(c => !c.Hidden)
            .SelectMany(c => new[] { c.Name }.Concat(c.Aliases).Select(name => new CompletionSubcommand(name, c.Description ?? string.Empty, path + " " + c.Name)))
            .ToList();
        var argument = command.Arguments.FirstOrDefault(a => !a.Hidden);
        var argumentValues = argument is null ? [] : Values(argument.GetCompletions(CompletionContext.Empty));
        var argumentKind = argument is null ? ValueKind.None
            : argumentValues.Count > 0 ? ValueKind.Choice
            : argument.HelpName is "PATH" || argument.Name is "PATH" ? ValueKind.File
            : ValueKind.Text;
        nodes.Add(new CompletionNode(path, subcommands, options, argumentKind, argumentValues));
        foreach (var subcommand in command.Subcommands.Where(c => !c.Hidden))
        {
            Walk(subcommand, path + " " + subcommand.Name, recursive, nodes);
        }
    }

    private static CompletionOption Describe(Option option)
    {
        var names = new[] { option.Name }.Concat(option.Aliases).Where(n => n != "-?" && n != "/?" && n != "/h").Distinct().ToList();
        if (option.Arity.MaximumNumberOfValues == 0 || option is HelpOption or VersionOption)
        {
            return new CompletionOption(names, option.Description ?? string.Empty, ValueKind.None, []);
        }

        var values = option.ValueType == typeof(bool) ? [] : Values(option.GetCompletions(CompletionContext.Empty));
        var kind = values.Count > 0 ? ValueKind.Choice
            : option.HelpName switch
            {
                "FILE" => ValueKind.File,
                "DIR" => ValueKind.Directory,
                _ => ValueKind.Text,
            };
        return new CompletionOption(names, option.Description ?? string.Empty, kind, values);
    }

    private static List<string> Values(IEnumerable<CompletionItem> items) => items.Select(i => i.Label).Distinct().ToList();
}
