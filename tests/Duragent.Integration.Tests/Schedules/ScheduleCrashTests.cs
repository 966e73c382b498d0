using System.Net.Http.Json;
using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Integration.Tests.Cli;
using Xunit.Abstractions;

namespace Duragent.Integration.Tests.Schedules;

/// <summary>
/// Static schedules of a real <c>duragent serve</c> killed with SIGKILL and kept down across several slots: after the
/// restart, <c>catch_up: once</c> fires the latest missed slot exactly once and records the others as skipped;
/// <c>catch_up: skip</c> fires none of them and records every skip; no slot reaches its session twice. And a server
/// killed while a slot's task runs: after the restart that run finishes (recorded once) and the slot never fires again.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ScheduleCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(35);

    [Fact]
    public async Task KilledAcrossSeveralSlots_CatchUpOnceFiresOnce_SkipFiresNoneAndRecordsTheSkips()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Fallback = _ => FakeResponse.Text("ok");
        await File.AppendAllTextAsync(ws.ConfigFile, """
            schedules:
              - {id: once, agent: assistant, text: tick-once, every: 10s, session: once-inbox}
              - {id: skip, agent: assistant, text: tick-skip, every: 10s, session: skip-inbox, catch_up: skip}

            """);
        using var http = ws.NewHttpClient();
        var serve = await ws.ServeAsync();
        await WaitForRunsAsync(http, "once", runs => runs.Any(r => r.Status == "ok"), "a first run of 'once'");
        await WaitForRunsAsync(http, "skip", runs => runs.Any(r => r.Status == "ok"), "a first run of 'skip'");

        await serve.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        await Task.Delay(Down);
        var restartedAt = DateTimeOffset.UtcNow;
        serve = await ws.ServeAsync();
        output.WriteLine($"killed at {killedAt:HH:mm:ss.fff}, restarted at {restartedAt:HH:mm:ss.fff}");

        try
        {
            await WaitForRunsAsync(http, "once", runs => runs.Any(r => r.Detail?.Contains("caught up", StringComparison.Ordinal) == true), "the catch-up run of 'once'");
            await WaitForRunsAsync(http, "skip", runs => runs.Any(r => r.Status == "skipped" && r.Slot > killedAt), "the skip records of 'skip'");
        }
        catch (TimeoutException)
        {
            output.WriteLine("server stdout:\n" + serve.Stdout + "\nserver stderr:\n" + serve.Stderr);
            throw;
        }
        (await http.PostAsync("api/v1/schedules/once/pause", null)).EnsureSuccessStatusCode();
        (await http.PostAsync("api/v1/schedules/skip/pause", null)).EnsureSuccessStatusCode();

        var once = await RunsAsync(http, "once");
        var skip = await RunsAsync(http, "skip");
        foreach (var r in once.Concat(skip))
        {
            output.WriteLine($"{r.Slot:HH:mm:ss.fff} {r.Status} {r.SkippedSlots} {r.Detail}");
        }

        bool InDowntime(Run r) => r.Slot > killedAt && r.Slot < restartedAt;
        var caughtUp = Assert.Single(once, r => r.Detail?.Contains("caught up", StringComparison.Ordinal) == true);
        Assert.Equal("ok", caughtUp.Status);
        Assert.DoesNotContain(once, r => r.Status == "ok" && InDowntime(r) && r != caughtUp);
        Assert.True(once.Where(r => r.Status == "skipped" && r.Slot > killedAt).Sum(r => r.SkippedSlots) >= 2, "the earlier missed slots of 'once' are recorded as skipped");

        Assert.DoesNotContain(skip, r => r.Status == "ok" && InDowntime(r));
        Assert.True(skip.Where(r => r.Status == "skipped" && r.Slot > killedAt).Sum(r => r.SkippedSlots) >= 3, "every missed slot of 'skip' is recorded as skipped");

        foreach (var (runs, inbox) in new[] { (once, "once-inbox"), (skip, "skip-inbox") })
        {
            var ok = runs.Where(r => r.Status == "ok").ToList();
            Assert.Equal(ok.Count, ok.Select(r => r.Slot).Distinct().Count());
            Assert.Equal(ok.Count, await UserMessagesAsync(http, inbox));
        }

        await serve.DisposeAsync();
    }

    [Fact]
    public async Task KilledDuringATaskRun_TheSlotNeverFiresTwice_AndItsRunIsRecorded()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var gate = new FakeGate();
        ws.Llm.Enqueue(FakeResponse.Text("working", " on", " it").WithGate(gate, afterChunks: 1));
        ws.Llm.Fallback = _ => FakeResponse.Text("done");
        using var http = ws.NewHttpClient();
        var serve = await ws.ServeAsync();
        try
        {
            using var create = await http.PostAsJsonAsync("api/v1/schedules", new Dictionary<string, object>
            {
                ["schedule_id"] = "job", ["agent"] = "assistant", ["text"] = "do the nightly job", ["payload"] = "task",
                ["at"] = "in 2s", ["session"] = "work",
            });
            Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());

            // The slot has started (recorded before delivery) and its task's turn is inside the LLM call: kill -9 now.
            await gate.WaitReachedAsync(Wait);
            var before = Assert.Single(await RunsAsync(http, "job"));
            Assert.Equal("running", before.Status);
            serve.KillNow();
            await serve.WaitForExitAsync(Wait, "the killed server");

            serve = await ws.ServeAsync();
            await WaitForRunsAsync(http, "job", runs => runs.Any(r => r.Status != "running"), "the interrupted run to finish after the restart", TimeSpan.FromSeconds(150));

            // Anything that would fire the slot again has had its chance: the start-up wake-up and a reminder tick.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var runs = await RunsAsync(http, "job");
            foreach (var r in runs)
            {
                output.WriteLine($"{r.RunId} {r.Slot:HH:mm:ss.fff} {r.Status} {r.Detail}");
            }

            var run = Assert.Single(runs);
            Assert.Equal(before.RunId, run.RunId);
            Assert.Equal(before.Slot, run.Slot);
            Assert.Equal("ok", run.Status);
            Assert.StartsWith("the turn ended", run.Detail, StringComparison.Ordinal);
            Assert.Equal(1, await UserMessagesAsync(http, "work"));
            Assert.All(ws.Llm.Requests, r => Assert.Single(System.Text.RegularExpressions.Regex.Matches(r.RawBody, "do the nightly job")));
            using var info = JsonDocument.Parse(await http.GetStringAsync("api/v1/schedules/job"));
            Assert.True(info.RootElement.GetProperty("done").GetBoolean());
            Assert.Equal(0, info.RootElement.GetProperty("running").GetInt32());
        }
        finally
        {
            gate.Release();
            await serve.DisposeAsync();
        }
    }

    private sealed record Run(string RunId, DateTimeOffset Slot, string Status, int SkippedSlots, string? Detail);

    private static async Task<List<Run>> RunsAsync(HttpClient http, string id)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/v1/schedules/{id}/runs?limit=500"));
        return doc.RootElement.GetProperty("runs").EnumerateArray().Select(r => new Run(
            r.GetProperty("run_id").GetString()!,
            r.GetProperty("slot").GetDateTimeOffset(),
            r.GetProperty("status").GetString()!,
            r.TryGetProperty("skipped_slots", out var n) ? n.GetInt32() : 0,
            r.TryGetProperty("detail", out var d) ? d.GetString() : null)).ToList();
    }

    private static async Task WaitForRunsAsync(HttpClient http, string id, Func<List<Run>, bool> match, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait);
        while (true)
        {
            try
            {
                if (match(await RunsAsync(http, id)))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // The schedule is not reconciled yet right after the start.
            }

            try
            {
                await Task.Delay(250, cts.Token);
            }
            catch (OperationCanceledException)
            {
                var runs = await RunsAsync(http, id);
                throw new TimeoutException($"Timed out after {timeout ?? Wait} waiting for {what}; runs: {string.Join(" | ", runs.Select(r => $"{r.Slot:HH:mm:ss.fff} {r.Status} {r.SkippedSlots} {r.Detail}"))}");
            }
        }
    }

    private static async Task<int> UserMessagesAsync(HttpClient http, string sessionId)
    {
        var body = await http.GetFromJsonAsync<JsonElement>($"api/v1/sessions/{sessionId}/messages?limit=500");
        return body.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "user");
    }
}
