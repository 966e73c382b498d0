using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// <c>duragent schedule add</c> with a bad schedule: a usage error (exit 2) naming the option, found before connecting,
/// so no server is started for it (the workspace below has a config file; a connection would start one).
/// </summary>
public sealed class ScheduleCliTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-schedule");

    public ScheduleCliTests()
    {
        File.WriteAllText(ConfigFile, $"server:\n  port: {FreePort.Get()}\n");
    }

    public void Dispose() => _dir.Dispose();

    private string ConfigFile => Path.Combine(_dir.Path, "duragent.yaml");

    [Theory]
    [InlineData("error: --cron: '61 * * * *' is not a valid cron expression", "--cron", "61 * * * *")]
    [InlineData("error: --cron: '* * *' has 3 fields", "--cron", "* * *")]
    [InlineData("error: --tz: unknown time zone 'Mars/Base'", "--cron", "0 9 * * *", "--tz", "Mars/Base")]
    [InlineData("error: --at: 2020-01-01T00:00:00Z is in the past", "--at", "2020-01-01T00:00:00Z")]
    [InlineData("error: --at:", "--at", "tomorrow-ish")]
    [InlineData("error: --every: the interval '0s' is shorter than the shortest allowed (1s)", "--every", "0s")]
    [InlineData("error: --agent:", "--every", "1m", "--agent", "../etc")]
    [InlineData("error: --anchor: expected an RFC 3339 time", "--every", "1m", "--anchor", "monday")]
    [InlineData("error: --max-attempts: is 0", "--every", "1m", "--max-attempts", "0")]
    [InlineData("error: --id: '../x' is not a valid schedule id", "--every", "1m", "--id", "../x")]
    public async Task Add_BadSchedule_NamesTheOption_Exit2_StartsNoServer(string expected, params string[] timing)
    {
        string[] args = ["-c", ConfigFile, "schedule", "add", "--message", "hi", .. timing];
        if (!timing.Contains("--agent"))
        {
            args = [.. args, "--agent", "assistant"];
        }

        var result = await InProcessCli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".duragent", "logs")), "a bad schedule must not start a server");
    }

    [Theory]
    [InlineData("error: a timing is required: give one of --at, --every, --cron.", "schedule", "add", "-a", "x", "-m", "hi")]
    [InlineData("error: --every and --cron exclude each other", "schedule", "add", "-a", "x", "-m", "hi", "--every", "1m", "--cron", "* * * * *")]
    [InlineData("error: a payload is required: give one of --message, --task.", "schedule", "add", "-a", "x", "--every", "1m")]
    [InlineData("error: --message and --task exclude each other", "schedule", "add", "-a", "x", "--every", "1m", "-m", "a", "-t", "b")]
    [InlineData("error: Argument 'fortnightly' not recognized", "schedule", "add", "-a", "x", "--every", "1m", "-m", "a", "--catch-up", "fortnightly")]
    [InlineData("error: Required argument missing for command: 'show'.", "schedule", "show")]
    [InlineData("error: Required argument missing for command: 'rm'.", "schedule", "rm")]
    [InlineData("error: Required argument missing for command: 'history'.", "schedule", "history")]
    [InlineData("error: --limit must be from 1 to 500, not 0.", "schedule", "history", "s1", "--limit", "0")]
    public async Task BadScheduleCommandLine_IsUsageError_Exit2(string expected, params string[] args)
    {
        var result = await InProcessCli.RunAsync(["-c", ConfigFile, .. args]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", result.Stderr, StringComparison.Ordinal);
    }
}
