using System.Diagnostics;
using System.Text.Json;
using Duragent.Sessions.Events;
using Duragent.Tools;

namespace Duragent.Grains.Tests.Tools;

public sealed class BashToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("duragent-bash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ToolContext Context => new("session_t", "agent", _dir, "call_1");

    private static JsonElement Args(string command) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["command"] = command });

    private static BashTool Tool(double timeoutSeconds = 10, int capBytes = 64 * 1024) =>
        new(new ProcessRunner(), TimeSpan.FromSeconds(timeoutSeconds), capBytes);

    [Fact]
    public async Task Execute_ReturnsStdoutThenStderr()
    {
        var result = await Tool().ExecuteAsync(Args("echo out; echo err >&2"), Context, CancellationToken.None);

        Assert.Equal(ToolOutcome.Ok, result.Outcome);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("out\n\n--- stderr ---\nerr\n", result.Content);
    }

    [Fact]
    public async Task Execute_RunsInTheWorkingDirectory()
    {
        var result = await Tool().ExecuteAsync(Args("pwd"), Context, CancellationToken.None);

        Assert.Equal(Path.GetFullPath(_dir), result.Content.Trim());
    }

    [Fact]
    public async Task Execute_NonZeroExit_IsAnErrorWithItsCode()
    {
        var result = await Tool().ExecuteAsync(Args("exit 3"), Context, CancellationToken.None);

        Assert.Equal(ToolOutcome.Error, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("Command completed with exit code 3", result.Content);
    }

    [Fact]
    public async Task Execute_ClosesStdin_SoReadersSeeEndOfFile()
    {
        var result = await Tool(timeoutSeconds: 5).ExecuteAsync(Args("cat; echo done"), Context, CancellationToken.None);

        Assert.Equal(ToolOutcome.Ok, result.Outcome);
        Assert.Equal("done\n", result.Content);
    }

    [Fact]
    public async Task Execute_CapsOutput_AndSaysSo()
    {
        var result = await Tool(capBytes: 4096).ExecuteAsync(Args("head -c 100000 /dev/zero | tr '\\0' 'x'"), Context, CancellationToken.None);

        Assert.True(result.Truncated);
        Assert.EndsWith("[output truncated at 4 KB]", result.Content, StringComparison.Ordinal);
        Assert.True(result.Content.Length < 4096 + 100);
    }

    [Fact]
    public async Task Execute_Timeout_KillsTheProcessTree()
    {
        var marker = Path.Combine(_dir, "late");
        var watch = Stopwatch.StartNew();

        var result = await Tool(timeoutSeconds: 1).ExecuteAsync(Args($"echo started; (sleep 8; touch {marker}) & sleep 8; touch {marker}"), Context, CancellationToken.None);

        Assert.Equal(ToolOutcome.Timeout, result.Outcome);
        Assert.StartsWith("started", result.Content, StringComparison.Ordinal);
        Assert.Contains("timed out after 1 s", result.Content, StringComparison.Ordinal);

        // Returned at the timeout, well before the command's own end (8 s; generous for a loaded machine), and no
        // process of the tree is left to finish it.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(7), $"took {watch.Elapsed}");
        await Task.Delay(TimeSpan.FromSeconds(9) - watch.Elapsed);
        Assert.False(File.Exists(marker), "a process of the killed tree kept running");
    }

    [Fact]
    public async Task Execute_Cancellation_Throws_AndKills()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Tool().ExecuteAsync(Args("sleep 20"), Context, cts.Token));
    }

    [Fact]
    public async Task Execute_MissingCommand_IsAFailureNotAnException()
    {
        var result = await Tool().ExecuteAsync(JsonSerializer.SerializeToElement(new { cmd = "ls" }), Context, CancellationToken.None);

        Assert.Equal(ToolOutcome.Error, result.Outcome);
        Assert.Contains("'command'", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeInvocation_IsTheCommandLine()
    {
        Assert.Equal("git status", Tool().DescribeInvocation(Args("git status")));
        Assert.False(Tool().Idempotent);
    }
}
