using System.Text.RegularExpressions;
using Duragent.Cli;
using Duragent.Cli.Commands;
using Duragent.Cli.Output;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-parse");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Version_PrintsVersionCommitAndBuildDate()
    {
        var result = await CliProcess.RunAsync(_dir.Path, _dir.Path, ["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(new Regex(@"^duragent \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{7,}|unknown), built (\d{4}-\d{2}-\d{2}|unknown)\)\n$"), result.Stdout);
    }

    [Theory]
    [InlineData("chat", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("session", "show")]
    [InlineData("--gateway", "not-an-endpoint", "agent", "list")]
    [InlineData("serve", "--port", "70000")]
    [InlineData("serve", "--ephemeral", "0")]
    [InlineData("doctor", "--format", "xml")]
    [InlineData("completions", "tcsh")]
    [InlineData("session", "export", "s1", "--format", "pdf")]
    public async Task BadCommandLine_IsUsageError_Exit2(params string[] args)
    {
        var result = await InProcessCli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Stderr.Split('\n').First(l => l.StartsWith("error", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task NoCommand_PrintsHelpAndExits2()
    {
        var result = await InProcessCli.RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Commands:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("chat", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand_Exit0()
    {
        var result = await InProcessCli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "init", "serve", "agent", "chat", "attach", "session", "schedule", "doctor", "completions" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "-v" }, 1)]
    [InlineData(new[] { "-vv" }, 2)]
    [InlineData(new[] { "-v", "-v", "-v" }, 3)]
    [InlineData(new[] { "-q" }, -1)]
    [InlineData(new[] { "-q", "-v" }, -1)]
    public void Verbose_IsRepeatable_QuietWins(string[] flags, int expected)
    {
        var globals = new GlobalOptions();
        var console = new CliConsole(TextReader.Null, TextWriter.Null, TextWriter.Null, false, false, false);
        var root = DuragentCommandLine.Create(new CommandBinder(globals, console));

        var parse = root.Parse([.. flags, "doctor"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(expected, globals.GetVerbosity(parse));
    }

    [Fact]
    public async Task ClientCommand_WithoutWorkspace_TellsToRunInit_Exit1()
    {
        var result = await InProcessCli.RunAsync("-c", Path.Combine(_dir.Path, "duragent.yaml"), "session", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: No duragent workspace found", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("duragent init", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenConfig_IsReportedWithItsLocation_Exit1()
    {
        var config = Path.Combine(_dir.Path, "duragent.yaml");
        await File.WriteAllTextAsync(config, "server:\n  port: many\n");

        var result = await InProcessCli.RunAsync("-c", config, "agent", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{config}:2:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitGateway_Unreachable_SaysWhichAddress_Exit1_Fast()
    {
        var port = FreePort.Get();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await InProcessCli.RunAsync("-c", Path.Combine(_dir.Path, "duragent.yaml"), "--gateway", $"127.0.0.1:{port}", "session", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Cannot reach the Duragent server at 127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);

        // The Orleans client's default retries for minutes; the CLI's connection retry filter fails at once.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData(":8080")]
    [InlineData("::1:x")]
    public async Task BadGateway_IsUsageError_Exit2(string gateway)
    {
        var result = await InProcessCli.RunAsync("--gateway", gateway, "session", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--gateway", result.Stderr, StringComparison.Ordinal);
    }
}
