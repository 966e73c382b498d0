using System.Net.Http.Json;
using System.Text.Json;
using Duragent.FakeLlm;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// <c>duragent schedule …</c> as a real process against a real <c>duragent serve</c> (through its Orleans gateway) and the
/// fake LLM: a schedule added from the CLI fires into its session; the other subcommands act on the grain; server-side
/// refusals (unknown agent, unknown id, duplicate id, a session of another agent) are readable errors.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ScheduleCliEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AddedFromTheCli_FiresIntoItsSession_AndEverySubcommandActsOnIt()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Fallback = _ => FakeResponse.Text("noted");
        await ws.ServeAsync();
        using var http = ws.NewHttpClient();

        var add = await Cli(ws, "schedule", "add", "--id", "soon", "--agent", "assistant", "--at", "in 2s", "--session", "inbox", "--message", "ping from cron", "--json");
        Assert.True(add.ExitCode == 0, add.ToString());
        using (var created = JsonDocument.Parse(add.Stdout))
        {
            Assert.Equal("soon", created.RootElement.GetProperty("schedule_id").GetString());
            Assert.Equal("at", created.RootElement.GetProperty("kind").GetString());
            Assert.Equal("cli", created.RootElement.GetProperty("spec").GetProperty("source").GetString());
        }

        await WaitForAsync(async () => (await RunsAsync(http, "soon")).Any(r => r == "ok"), "the one-shot to fire");
        var history = await Cli(ws, "schedule", "history", "soon");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Matches(@"run_\d+\s+\S+ \S+\s+ok\s+1\s+inbox", history.Stdout);
        var session = await Cli(ws, "session", "show", "inbox");
        Assert.Contains("> ping from cron", session.Stdout, StringComparison.Ordinal);
        var show = await Cli(ws, "schedule", "show", "soon");
        Assert.Contains("State:     done", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("Target:    session inbox", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("Recent runs:", show.Stdout, StringComparison.Ordinal);

        // A cron that does not come due during the test: pause, resume, run now, delete.
        var yearly = await Cli(ws, "schedule", "add", "--id", "yearly", "-a", "assistant", "--cron", "0 9 1 1 *", "--tz", "Europe/Paris", "--task", "new year review");
        Assert.True(yearly.ExitCode == 0, yearly.ToString());
        Assert.Contains("Created schedule yearly: cron 0 9 1 1 * (Europe/Paris), task to a fresh session per run of agent assistant.", yearly.Stdout, StringComparison.Ordinal);
        Assert.Contains("Next run: 2027-01-01 08:00:00Z", yearly.Stdout, StringComparison.Ordinal);

        var list = await Cli(ws, "schedule", "list");
        Assert.Matches(@"soon\s+assistant\s+at \S+\s+message\s+done\s+-\s+ok ", list.Stdout);
        Assert.Matches(@"yearly\s+assistant\s+cron 0 9 1 1 \* \(Europe/Paris\)\s+task\s+active\s+2027-01-01 08:00:00Z\s+-", list.Stdout);

        Assert.Contains("Paused schedule yearly.", (await Cli(ws, "schedule", "pause", "yearly")).Stdout, StringComparison.Ordinal);
        using (var paused = JsonDocument.Parse((await Cli(ws, "schedule", "show", "yearly", "--json")).Stdout))
        {
            Assert.True(paused.RootElement.GetProperty("paused").GetBoolean());
        }

        Assert.Contains("Resumed schedule yearly; next run: 2027-01-01 08:00:00Z.", (await Cli(ws, "schedule", "resume", "yearly")).Stdout, StringComparison.Ordinal);
        var run = await Cli(ws, "schedule", "run", "yearly");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"Started run manual_\d+ of schedule yearly", run.Stdout);
        await WaitForAsync(async () => (await RunsAsync(http, "yearly")).Any(r => r == "ok"), "the manual task run to end");
        Assert.Contains("new year review", string.Join('\n', ws.Llm.Requests.Select(r => r.RawBody)), StringComparison.Ordinal);

        var rm = await Cli(ws, "schedule", "rm", "yearly");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Contains("Deleted schedule yearly.", rm.Stdout, StringComparison.Ordinal);
        var after = await Cli(ws, "schedule", "list", "--json");
        using (var listed = JsonDocument.Parse(after.Stdout))
        {
            Assert.Equal(["soon"], listed.RootElement.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("schedule_id").GetString()));
        }
    }

    [Fact]
    public async Task ServerSideRefusals_AreReadableErrors()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        await ws.ServeAsync();

        var ghost = await Cli(ws, "schedule", "add", "-a", "ghost", "--every", "1h", "-m", "boo");
        Assert.True(ghost.ExitCode == 1, ghost.ToString());
        Assert.Equal("error: Agent 'ghost' does not exist.\n", ghost.Stderr);

        foreach (var verb in new[] { "show", "rm", "history", "pause", "resume", "run" })
        {
            var missing = await Cli(ws, "schedule", verb, "nope");
            Assert.True(missing.ExitCode == 1, $"{verb}: {missing}");
            Assert.Equal("error: Schedule 'nope' does not exist.\n", missing.Stderr);
        }

        Assert.Equal(0, (await Cli(ws, "schedule", "add", "--id", "twice", "-a", "assistant", "--every", "1h", "-m", "x")).ExitCode);
        var duplicate = await Cli(ws, "schedule", "add", "--id", "twice", "-a", "assistant", "--every", "1h", "-m", "x");
        Assert.True(duplicate.ExitCode == 1, duplicate.ToString());
        Assert.Equal("error: Schedule 'twice' already exists.\n", duplicate.Stderr);

        var noAgent = await Cli(ws, "schedule", "add", "--session", "not-yet", "--every", "1h", "-m", "x");
        Assert.True(noAgent.ExitCode == 0, noAgent.ToString());
        Assert.Contains("to session not-yet of agent assistant", noAgent.Stdout, StringComparison.Ordinal);
    }

    private static Task<CliResult> Cli(CliWorkspace ws, params string[] args) => ws.RunAsync(string.Empty, ["--gateway", ws.Gateway, .. args]);

    private static async Task<List<string>> RunsAsync(HttpClient http, string id)
    {
        var body = await http.GetFromJsonAsync<JsonElement>($"api/v1/schedules/{id}/runs");
        return body.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("status").GetString()!).ToList();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Wait)
            {
                throw new TimeoutException($"Timed out after {Wait.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(200);
        }
    }
}
