using System.Text;

namespace Duragent.Cli.Completions;

/// <summary>
/// Completion scripts for bash, zsh, fish and PowerShell, generated from <see cref="CompletionModel"/>. Each script
/// finds the command path from the words typed so far (words that name a subcommand of the current path move
/// down the tree; options and their values are skipped), then proposes that path's subcommands, options, or the
/// values of the option just typed.
/// </summary>
internal static class CompletionScripts
{
    public static IReadOnlyList<string> Shells { get; } = ["bash", "zsh", "fish", "pwsh"];

    public static string Generate(string shell, IReadOnlyList<CompletionNode> nodes, string program = "duragent") => shell switch
    {
        "bash" => Bash(nodes, program),
        "zsh" => Zsh(nodes, program),
        "fish" => Fish(nodes, program),
        "pwsh" or "powershell" => PowerShell(nodes, program),
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, $"Unknown shell; expected one of {string.Join(", ", Shells)}."),
    };

    private static IEnumerable<(string From, string To)> Transitions(IReadOnlyList<CompletionNode> nodes) =>
        nodes.SelectMany(n => n.Subcommands.Select(s => ($"{n.Path} {s.Name}", s.Path)));

    private static IEnumerable<(CompletionNode Node, CompletionOption Option)> ValuedOptions(IReadOnlyList<CompletionNode> nodes) =>
        nodes.SelectMany(n => n.Options.Where(o => o.Value != ValueKind.None).Select(o => (n, o)));

    private static string Bash(IReadOnlyList<CompletionNode> nodes, string program)
    {
        var function = "_" + program.Replace('-', '_');
        var text = new StringBuilder();
        text.Append($"# bash completion for {program}. Load it with: source <({program} completions bash)\n");
        text.Append($"{function}() {{\n");
        text.Append("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n");
        text.Append($"    local cmdpath=\"{program}\" i\n");
        text.Append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        AppendPathAndValueCases(text, nodes, "${COMP_WORDS[i]}", option => option.Value switch
        {
            ValueKind.Choice => $"COMPREPLY=($(compgen -W \"{string.Join(' ', option.Values)}\" -- \"$cur\"))",
            ValueKind.File => "COMPREPLY=($(compgen -f -- \"$cur\"))",
            ValueKind.Directory => "COMPREPLY=($(compgen -d -- \"$cur\"))",
            _ => "COMPREPLY=()",
        });
        text.Append("    local words=\"\"\n");
        text.Append("    case \"$cmdpath\" in\n");
        foreach (var node in nodes)
        {
            var options = string.Join(' ', node.Options.SelectMany(o => o.Names));
            var words = string.Join(' ', node.Subcommands.Select(s => s.Name).Concat(node.ArgumentValue == ValueKind.Choice ? node.ArgumentValues : []));
            text.Append($"        \"{node.Path}\") words=\"{words}\"; [[ \"$cur\" == -* ]] && words=\"{options}\"");
            if (node.ArgumentValue == ValueKind.File)
            {
                text.Append("; [[ \"$cur\" != -* ]] && { COMPREPLY=($(compgen -f -- \"$cur\")); return; }");
            }

            text.Append(" ;;\n");
        }

        text.Append("    esac\n");
        text.Append("    COMPREPLY+=($(compgen -W \"$words\" -- \"$cur\"))\n");
        text.Append("}\n");
        text.Append($"complete -o default -F {function} {program}\n");
        return text.ToString();
    }

    // Shared by bash and zsh (same case syntax): the loop body that walks the words typed so far to the command path
    // ("duragent serve stop"), then the completion of an option's value when the previous word is that option.
    private static void AppendPathAndValueCases(StringBuilder text, IReadOnlyList<CompletionNode> nodes, string word, Func<CompletionOption, string> valueAction)
    {
        text.Append($"        case \"$cmdpath {word}\" in\n");
        foreach (var (from, to) in Transitions(nodes))
        {
            text.Append($"            \"{from}\") cmdpath=\"{to}\" ;;\n");
        }

        text.Append("        esac\n    done\n");
        text.Append("    case \"$cmdpath|$prev\" in\n");
        foreach (var (node, option) in ValuedOptions(nodes))
        {
            var pattern = string.Join('|', option.Names.Select(name => $"\"{node.Path}|{name}\""));
            text.Append($"        {pattern}) {valueAction(option)}; return ;;\n");
        }

        text.Append("    esac\n");
    }

    private static string Zsh(IReadOnlyList<CompletionNode> nodes, string program)
    {
        var function = "_" + program.Replace('-', '_');
        var text = new StringBuilder();
        text.Append($"#compdef {program}\n");
        text.Append($"# zsh completion for {program}. Load it with: source <({program} completions zsh)\n");
        text.Append($"{function}() {{\n");
        text.Append($"    local cmdpath=\"{program}\" prev=\"${{words[CURRENT-1]}}\" i\n");
        text.Append("    for ((i = 2; i < CURRENT; i++)); do\n");
        AppendPathAndValueCases(text, nodes, "${words[i]}", option => option.Value switch
        {
            ValueKind.Choice => $"compadd -- {string.Join(' ', option.Values.Select(ZshQuote))}",
            ValueKind.File => "_files",
            ValueKind.Directory => "_files -/",
            _ => "_message 'value'",
        });
        text.Append("    local -a subcmds opts\n");
        text.Append("    case \"$cmdpath\" in\n");
        foreach (var node in nodes)
        {
            var commands = node.Subcommands.Select(s => ZshQuote($"{s.Name}:{s.Description}"))
                .Concat(node.ArgumentValue == ValueKind.Choice ? node.ArgumentValues.Select(v => ZshQuote(v + ":")) : []);
            var options = node.Options.SelectMany(o => o.Names.Select(n => ZshQuote($"{n}:{o.Description}")));
            text.Append($"        \"{node.Path}\") subcmds=({string.Join(' ', commands)}); opts=({string.Join(' ', options)})");
            if (node.ArgumentValue == ValueKind.File)
            {
                text.Append("; [[ \"${words[CURRENT]}\" != -* ]] && { _files; return }");
            }

            text.Append(" ;;\n");
        }

        text.Append("    esac\n");
        text.Append("    if [[ \"${words[CURRENT]}\" == -* ]]; then\n");
        text.Append("        _describe -t options 'option' opts\n");
        text.Append("    else\n");
        text.Append("        _describe -t commands 'command' subcmds\n");
        text.Append("    fi\n");
        text.Append("}\n");
        text.Append($"compdef {function} {program}\n");
        return text.ToString();
    }

    private static string Fish(IReadOnlyList<CompletionNode> nodes, string program)
    {
        var function = "__" + program.Replace('-', '_') + "_path";
        var text = new StringBuilder();
        text.Append($"# fish completion for {program}. Load it with: {program} completions fish | source\n");
        text.Append($"function {function}\n");
        text.Append("    set -l words (commandline -opc)\n");
        text.Append($"    set -l cmdpath {program}\n");
        text.Append("    for word in $words[2..-1]\n");
        text.Append("        switch \"$cmdpath $word\"\n");
        foreach (var (from, to) in Transitions(nodes))
        {
            text.Append($"            case '{FishEscape(from)}'\n                set cmdpath '{FishEscape(to)}'\n");
        }

        text.Append("        end\n    end\n    echo $cmdpath\nend\n");
        text.Append($"complete -c {program} -f\n");
        foreach (var node in nodes)
        {
            var condition = $"-n 'test ({function}) = \"{FishEscape(node.Path)}\"'";
            foreach (var subcommand in node.Subcommands)
            {
                text.Append($"complete -c {program} {condition} -a '{FishEscape(subcommand.Name)}' -d '{FishEscape(subcommand.Description)}'\n");
            }

            if (node.ArgumentValue == ValueKind.Choice)
            {
                text.Append($"complete -c {program} {condition} -a '{FishEscape(string.Join(' ', node.ArgumentValues))}'\n");
            }
            else if (node.ArgumentValue == ValueKind.File)
            {
                text.Append($"complete -c {program} {condition} -F\n");
            }

            foreach (var option in node.Options)
            {
                var names = string.Join(' ', option.Names.Select(n => n.StartsWith("--", StringComparison.Ordinal) ? $"-l {n[2..]}" : $"-s {n[1..]}"));
                var value = option.Value switch
                {
                    ValueKind.Choice => $" -x -a '{FishEscape(string.Join(' ', option.Values))}'",
                    ValueKind.File => " -r -F",
                    ValueKind.Directory => " -r -a '(__fish_complete_directories)'",
                    ValueKind.Text => " -x",
                    _ => string.Empty,
                };
                text.Append($"complete -c {program} {condition} {names}{value} -d '{FishEscape(option.Description)}'\n");
            }
        }

        return text.ToString();
    }

    private static string PowerShell(IReadOnlyList<CompletionNode> nodes, string program)
    {
        var text = new StringBuilder();
        text.Append($"# PowerShell completion for {program}. Load it with: {program} completions pwsh | Out-String | Invoke-Expression\n");
        text.Append($"Register-ArgumentCompleter -Native -CommandName '{program}' -ScriptBlock {{\n");
        text.Append("    param($wordToComplete, $commandAst, $cursorPosition)\n");
        text.Append("    $transitions = @{\n");
        foreach (var (from, to) in Transitions(nodes))
        {
            text.Append($"        '{PwshEscape(from)}' = '{PwshEscape(to)}'\n");
        }

        text.Append("    }\n");
        text.Append("    $typed = @($commandAst.CommandElements | Select-Object -Skip 1 | Where-Object { $_.Extent.EndOffset -lt $cursorPosition } | ForEach-Object { $_.ToString() })\n");
        text.Append("    if ($wordToComplete -and $typed.Count -gt 0 -and $typed[-1] -eq $wordToComplete) { $typed = @($typed | Select-Object -SkipLast 1) }\n");
        text.Append($"    $cmdpath = '{PwshEscape(program)}'\n");
        text.Append("    foreach ($word in $typed) { $next = $transitions[\"$cmdpath $word\"]; if ($next) { $cmdpath = $next } }\n");
        text.Append("    $prev = if ($typed.Count -gt 0) { $typed[-1] } else { '' }\n");
        text.Append("    $candidates = switch (\"$cmdpath|$prev\") {\n");
        foreach (var (node, option) in ValuedOptions(nodes))
        {
            foreach (var name in option.Names)
            {
                var values = option.Value == ValueKind.Choice ? "@(" + string.Join(", ", option.Values.Select(v => $"'{PwshEscape(v)}'")) + ")" : "$null";
                text.Append($"        '{PwshEscape(node.Path)}|{PwshEscape(name)}' {{ {values}; break }}\n");
            }
        }

        text.Append("        default {\n");
        text.Append("            switch ($cmdpath) {\n");
        foreach (var node in nodes)
        {
            var words = node.Subcommands.Select(s => s.Name)
                .Concat(node.ArgumentValue == ValueKind.Choice ? node.ArgumentValues : [])
                .Concat(node.Options.SelectMany(o => o.Names));
            text.Append($"                '{PwshEscape(node.Path)}' {{ @({string.Join(", ", words.Select(w => $"'{PwshEscape(w)}'"))}) }}\n");
        }

        text.Append("            }\n        }\n    }\n");
        text.Append("    $candidates | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n");
        text.Append("        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)\n");
        text.Append("    }\n}\n");
        return text.ToString();
    }

    private static string ZshQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FishEscape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    private static string PwshEscape(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
