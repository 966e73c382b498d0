using System.Diagnostics;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

public sealed class CompletionsTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-completions");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("bash", "complete -o default -F _duragent duragent")]
    [InlineData("zsh", "compdef _duragent duragent")]
    [InlineData("fish", "complete -c duragent -f")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName 'duragent'")]
    public async Task Script_CoversTheWholeCommandTree(string shell, string registration)
    {
        var result = await InProcessCli.RunAsync("completions", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(registration, result.Stdout, StringComparison.Ordinal);
        foreach (var word in new[] { "init", "serve", "status", "reload-agents", "validate", "attach", "export", "doctor", "completions", "markdown" })
        {
            Assert.Contains(word, result.Stdout, StringComparison.Ordinal);
        }

        foreach (var option in new[] { "format", "ephemeral", "no-interactive", "agent" })
        {
            Assert.Contains(shell == "fish" ? $"-l {option}" : $"--{option}", result.Stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--detach", result.Stdout, StringComparison.Ordinal);
    }

    [ShellTheory("bash")]
    [InlineData("duragent ''", "init serve agent chat attach session schedule token doctor db completions")]
    [InlineData("duragent se", "serve session")]
    [InlineData("duragent serve ''", "status stop reload-agents reload")]
    [InlineData("duragent -c x.yaml session ''", "list show delete export")]
    [InlineData("duragent schedule ''", "add list show pause resume rm delete run history")]
    [InlineData("duragent schedule add --catch-up ''", "once skip")]
    [InlineData("duragent doctor --format ''", "json text")]
    [InlineData("duragent session export s1 --format m", "markdown")]
    [InlineData("duragent completions ''", "bash fish powershell pwsh zsh")]
    [InlineData("duragent serve status --p", "--port")]
    public async Task BashScript_CompletesSubcommandsOptionsAndValues(string words, string expected)
    {
        var script = Path.Combine(_dir.Path, "duragent.bash");
        await File.WriteAllTextAsync(script, (await InProcessCli.RunAsync("completions", "bash")).Stdout);
        var driver = $"""
            source '{script}'
            COMP_WORDS=({words}); COMP_CWORD=$((${"{"}#COMP_WORDS[@]{"}"} - 1)); COMPREPLY=()
            _duragent
            echo "${"{"}COMPREPLY[*]{"}"}"
            """;
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var bash = Process.Start(start)!;
        await bash.StandardInput.WriteAsync(driver);
        bash.StandardInput.Close();
        var output = await bash.StandardOutput.ReadToEndAsync();
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();

        Assert.True(bash.ExitCode == 0, errors);
        Assert.Equal(expected, output.Trim());
    }

    [ShellTheory("zsh")]
    [InlineData("duragent ''", "describe: init serve agent chat attach session schedule token doctor db completions")]
    [InlineData("duragent serve ''", "describe: status stop reload-agents reload")]
    [InlineData("duragent doctor --format ''", "compadd: json text")]
    [InlineData("duragent -c x.yaml agent ''", "describe: create list show validate")]
    [InlineData("duragent init ''", "files")]
    public async Task ZshScript_ProposesTheRightCandidates(string words, string expected)
    {
        // The completion system's builtins are replaced by functions that print what they were given.
        const string Stubs = """
            _describe() { local -a items; items=("${(@P)argv[-1]}"); print -r -- "describe: ${(@)items%%:*}" }
            compadd() { shift; print -r -- "compadd: $@" }
            _files() { print -r -- "files" }

            """;
        var driver = "compdef() { : }\n" + $"source '{await WriteScriptAsync("zsh")}'\n" + Stubs + $"words=({words}); CURRENT=${{#words}}\n_duragent\n";

        Assert.Equal(expected, await RunShellAsync("zsh", driver));
    }

    [ShellTheory("fish")]
    [InlineData("duragent ", "agent attach chat completions db doctor init schedule serve session token")]
    [InlineData("duragent serve ", "reload reload-agents status stop")]
    [InlineData("duragent doctor --format ", "json text")]
    [InlineData("duragent session export s1 --f", "--format")]
    public async Task FishScript_ProposesTheRightCandidates(string line, string expected)
    {
        var driver = $"""
            source '{await WriteScriptAsync("fish")}'
            for candidate in (complete -C '{line}')
                echo (string split -f1 \t -- $candidate)
            end
            """;

        var output = await RunShellAsync("fish", driver);

        Assert.Equal(expected, string.Join(' ', output.Split('\n').Order(StringComparer.Ordinal)));
    }

    private async Task<string> WriteScriptAsync(string shell)
    {
        var script = Path.Combine(_dir.Path, "duragent." + shell);
        await File.WriteAllTextAsync(script, (await InProcessCli.RunAsync("completions", shell)).Stdout);
        return script;
    }

    private static async Task<string> RunShellAsync(string shell, string driver)
    {
        var start = new ProcessStartInfo(shell) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(driver);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && errors.Length == 0, $"{shell} failed ({process.ExitCode}): {errors}");
        return output.Trim();
    }
}
