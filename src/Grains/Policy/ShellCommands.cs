namespace Duragent.Policy;

/// <summary>
/// What the policy knows about common commands: which run another command (wrappers), which arguments make a command
/// run or write something else, and which long flags equal which short ones (for deny matching).
/// </summary>
/// <remarks>
/// A short list by design, not a sandbox: it keeps a wildcard in an allow pattern from reaching these forms and lets
/// a deny pattern see through the common spellings. The security boundary is <c>restrict</c> plus exact allow patterns.
/// </remarks>
public static class ShellCommands
{
    private static readonly HashSet<string> WrapperNames = new(StringComparer.Ordinal)
    {
        "env", "xargs", "sudo", "doas", "su", "runuser", "pkexec", "nohup", "timeout", "command", "builtin", "exec",
        "eval", "nice", "ionice", "stdbuf", "busybox", "toybox", "time", "setsid", "chroot", "unshare", "nsenter",
        "strace", "ltrace", "watch", "flock", "chrt", "taskset", "script", "systemd-run", "parallel", "sg", "firejail",
        "fakeroot", "proot", "catchsegv", "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish",
        ".", "source", "trap", "coproc", "ssh",
    };

    /// <summary>Arguments (and <c>--name=value</c> prefixes) that make a command run or write something else.</summary>
    private static readonly Dictionary<string, string[]> RiskyArguments = new(StringComparer.Ordinal)
    {
        ["find"] = ["-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"],
        ["git"] = ["-c", "--config-env", "--exec-path", "--upload-pack", "--receive-pack", "--exec"],
        ["tar"] = ["--to-command", "--checkpoint-action", "--use-compress-program", "--rsh-command", "--info-script", "--new-volume-script", "-I", "-F"],
        ["rsync"] = ["-e", "--rsh", "--rsync-path"],
    };

    /// <summary>Long flags that equal a short flag, per command.</summary>
    private static readonly Dictionary<string, Dictionary<string, char>> LongFlags = new(StringComparer.Ordinal)
    {
        ["rm"] = new() { ["--recursive"] = 'r', ["--force"] = 'f', ["--dir"] = 'd', ["--verbose"] = 'v', ["--interactive"] = 'i' },
        ["cp"] = new() { ["--recursive"] = 'r', ["--force"] = 'f', ["--archive"] = 'a', ["--verbose"] = 'v' },
        ["mv"] = new() { ["--force"] = 'f', ["--verbose"] = 'v' },
        ["ln"] = new() { ["--force"] = 'f', ["--symbolic"] = 's' },
        ["chmod"] = new() { ["--recursive"] = 'R', ["--verbose"] = 'v' },
        ["chown"] = new() { ["--recursive"] = 'R', ["--verbose"] = 'v' },
        ["chgrp"] = new() { ["--recursive"] = 'R', ["--verbose"] = 'v' },
        ["git"] = new() { ["--force"] = 'f', ["--delete"] = 'd', ["--all"] = 'a', ["--quiet"] = 'q' },
    };

    /// <summary>Short flags that mean the same as another short flag, per command (<c>rm -R</c> is <c>rm -r</c>).</summary>
    private static readonly Dictionary<string, Dictionary<char, char>> ShortAliases = new(StringComparer.Ordinal)
    {
        ["rm"] = new() { ['R'] = 'r' },
        ["cp"] = new() { ['R'] = 'r' },
    };

    /// <summary>Commands whose options are single-dash words (<c>find -name</c>), never combined letters.</summary>
    private static readonly HashSet<string> WordOptions = new(StringComparer.Ordinal) { "find" };

    /// <summary>The names of commands that run another command given in their arguments.</summary>
    public static IReadOnlySet<string> Wrappers => WrapperNames;

    /// <summary>The program name of a command word: <c>/bin/rm</c> → <c>rm</c>.</summary>
    public static string ProgramName(string commandWord)
    {
        ArgumentNullException.ThrowIfNull(commandWord);
        var slash = commandWord.LastIndexOf('/');
        return slash >= 0 && slash < commandWord.Length - 1 ? commandWord[(slash + 1)..] : commandWord;
    }

    /// <summary>True when <paramref name="program"/> runs another command given in its arguments.</summary>
    public static bool IsWrapper(string program) => WrapperNames.Contains(program);

    /// <summary>True when <paramref name="argument"/> makes <paramref name="program"/> run or write something else (<c>find -exec</c>).</summary>
    public static bool IsRiskyArgument(string program, string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (!RiskyArguments.TryGetValue(program, out var risky))
        {
            return false;
        }

        var name = argument.Split('=', 2)[0];
        if (risky.Contains(name, StringComparer.Ordinal))
        {
            return true;
        }

        // getopt_long accepts any unambiguous abbreviation of a long option (tar --to-comm=…, git --exec-p=…): a word
        // that begins a risky long option is taken for it. A benign option sharing the prefix costs an approval only.
        if (!WordOptions.Contains(program) && name.Length > 2 && name.StartsWith("--", StringComparison.Ordinal)
            && risky.Any(r => r.StartsWith("--", StringComparison.Ordinal) && r.StartsWith(name, StringComparison.Ordinal)))
        {
            return true;
        }

        // A combined short-flag word (tar -xIf) carries the risky letter too.
        return !WordOptions.Contains(program) && argument.Length > 2 && argument[0] == '-' && argument[1] != '-'
            && risky.Any(r => r.Length == 2 && r[0] == '-' && r[1] != '-' && argument.AsSpan(1).Contains(r[1]));
    }

    /// <summary>
    /// The flags among <paramref name="arguments"/> in one spelling: combined short flags split (<c>-rf</c> → <c>-r</c>,
    /// <c>-f</c>), known long flags mapped to their short form, values after <c>=</c> dropped; nothing after <c>--</c>.
    /// </summary>
    public static HashSet<string> Flags(string program, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        LongFlags.TryGetValue(program, out var longFlags);
        ShortAliases.TryGetValue(program, out var aliases);
        foreach (var argument in arguments)
        {
            if (argument == "--")
            {
                break;
            }

            if (argument.StartsWith("--", StringComparison.Ordinal))
            {
                var name = argument.Split('=', 2)[0];
                flags.Add(longFlags is not null && longFlags.TryGetValue(name, out var letter) ? "-" + letter : name);
            }
            else if (argument.Length > 1 && argument[0] == '-')
            {
                if (WordOptions.Contains(program))
                {
                    flags.Add(argument);
                    continue;
                }

                foreach (var letter in argument.AsSpan(1))
                {
                    flags.Add("-" + (aliases is not null && aliases.TryGetValue(letter, out var same) ? same : letter));
                }
            }
        }

        return flags;
    }

    /// <summary>True when <paramref name="argument"/> is a flag (starts with <c>-</c>).</summary>
    public static bool IsFlag(string argument) => argument.Length > 1 && argument[0] == '-';
}
