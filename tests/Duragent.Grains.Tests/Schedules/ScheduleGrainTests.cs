using Duragent.FakeLlm;
using Duragent.Grains.Tests.Sessions;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Testing;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>Schedule grains on a real silo with real sessions and the fake LLM: firing, payloads, errors, retries, the index.</summary>
public sealed class ScheduleGrainTests
{
    [Fact]
    public async Task EverySecond_DeliversEachSlotOnceIntoTheNamedSession()
    {
        await using var kit = await ScheduleKit.StartAsync();
        var schedule = kit.Schedule("tick");
        var created = await schedule.CreateAsync(new ScheduleSpec("assistant", "ping", Every: "1s", Session: "notes"));
        Assert.Equal("every", created.Kind);
        Assert.NotNull(created.NextRunAt);

        await kit.WaitForFinishedAsync("tick", 3);
        await schedule.PauseAsync();
        var runs = (await schedule.GetRunsAsync(100)).Where(r => r.Status != ScheduleRunStatus.Skipped).ToList();
        Assert.True(runs.Count >= 3);
        Assert.All(runs, r => Assert.True(r.Status is ScheduleRunStatus.Ok or ScheduleRunStatus.Running, r.Detail));
        Assert.Equal(runs.Count, runs.Select(r => r.Slot).Distinct().Count());

        // Precision while active: the grain timer starts each run within a fraction of a second of its slot.
        Assert.All(runs, r => Assert.InRange((r.StartedAt!.Value - r.Slot).TotalMilliseconds, 0, 900));

        var messages = await kit.UserMessagesAsync("notes");
        var ok = runs.Count(r => r.Status == ScheduleRunStatus.Ok);
        Assert.InRange(messages.Count, ok, runs.Count);
        Assert.All(messages, m => Assert.Equal("ping", m.Content));
        Assert.Equal("assistant", (await kit.Session("notes").GetInfoAsync())!.Agent);
    }

    [Fact]
    public async Task TaskAt_RunsTheAgentLoopInAFreshSessionAndIsDone()
    {
        await using var kit = await ScheduleKit.StartAsync();
        var schedule = kit.Schedule("report");
        var created = await schedule.CreateAsync(new ScheduleSpec("assistant", "write the report", SchedulePayload.Task, At: "in 1s"));
        Assert.Equal("at", created.Kind);
        Assert.EndsWith("Z", created.Spec.At, StringComparison.Ordinal);

        await kit.WaitForFinishedAsync("report");
        var run = Assert.Single(await schedule.GetRunsAsync(10));
        Assert.Equal(ScheduleRunStatus.Ok, run.Status);
        Assert.StartsWith("report-run_", run.SessionId, StringComparison.Ordinal);
        Assert.Contains("the turn ended", run.Detail, StringComparison.Ordinal);
        var session = await kit.Session(run.SessionId!).GetInfoAsync();
        Assert.Equal("schedule", session!.Source);
        Assert.Equal(2, session.MessageCount);

        var info = await schedule.GetAsync();
        Assert.True(info!.Done);
        Assert.Null(info.NextRunAt);
    }

    [Fact]
    public async Task FailedAttempts_AreRetriedWithBackoffInANewSessionThenRecorded()
    {
        await using var kit = await ScheduleKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Status(400, "bad request"));
        var schedule = kit.Schedule("flaky");
        await schedule.CreateAsync(new ScheduleSpec("assistant", "try", SchedulePayload.Task, Every: "1h", MaxAttempts: 2));
        var manual = await schedule.RunNowAsync();
        Assert.True(manual.Manual);

        await kit.WaitForFinishedAsync("flaky");
        var run = Assert.Single(await schedule.GetRunsAsync(10));
        Assert.Equal(ScheduleRunStatus.Ok, run.Status);
        Assert.Equal(2, run.Attempts);
        Assert.EndsWith("-a2", run.SessionId, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Failed, (await kit.Session(run.SessionId![..^3]).GetInfoAsync())!.Status);

        // The cadence did not move: the next slot is still an hour after creation.
        var info = await schedule.GetAsync();
        Assert.Equal(info!.CreatedAt.AddHours(1), info.NextRunAt);
    }

    [Fact]
    public async Task EveryAttemptFailing_EndsAsFailedWithTheLastError()
    {
        await using var kit = await ScheduleKit.StartAsync();
        kit.Llm.Fallback = _ => FakeResponse.Status(400, "always bad");
        var schedule = kit.Schedule("doomed");
        await schedule.CreateAsync(new ScheduleSpec("assistant", "try", SchedulePayload.Task, Every: "1h", MaxAttempts: 3));
        await schedule.RunNowAsync();

        await kit.WaitForFinishedAsync("doomed");
        var run = Assert.Single(await schedule.GetRunsAsync(10));
        Assert.Equal(ScheduleRunStatus.Failed, run.Status);
        Assert.Equal(3, run.Attempts);
        Assert.Contains("failed after 3 attempts", run.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunNow_AtTheConcurrencyCapIsAConflict()
    {
        await using var kit = await ScheduleKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("slow") with { Gate = gate });
        var schedule = kit.Schedule("capped");
        await schedule.CreateAsync(new ScheduleSpec("assistant", "slow task", SchedulePayload.Task, Every: "1h"));
        await schedule.RunNowAsync();
        await Assert.ThrowsAsync<ScheduleStateException>(() => schedule.RunNowAsync());
        gate.Release();
        await kit.WaitForFinishedAsync("capped");
        Assert.Equal(0, (await schedule.GetAsync())!.Running);
    }

    [Theory]
    [InlineData("cron", "0 25 * * *")]
    [InlineData("time_zone", "Nowhere/Land")]
    [InlineData("every", "0s")]
    [InlineData("at", "2020-01-01T00:00:00Z")]
    public async Task BadSchedules_AreRejectedAcrossTheGrainBoundaryNamingTheField(string field, string value)
    {
        await using var kit = await ScheduleKit.StartAsync();
        var spec = field switch
        {
            "cron" => new ScheduleSpec("assistant", "x", Cron: value),
            "time_zone" => new ScheduleSpec("assistant", "x", Cron: "0 9 * * *", TimeZone: value),
            "every" => new ScheduleSpec("assistant", "x", Every: value),
            _ => new ScheduleSpec("assistant", "x", At: value),
        };
        var error = await Assert.ThrowsAsync<ScheduleInvalidException>(() => kit.Schedule("bad").CreateAsync(spec));
        Assert.Equal(field, error.Field);
        Assert.Null(await kit.Schedule("bad").GetAsync());
    }

    [Fact]
    public async Task UnknownAgent_IsRejectedAndNothingIsStored()
    {
        await using var kit = await ScheduleKit.StartAsync();
        await Assert.ThrowsAsync<AgentNotFoundException>(() => kit.Schedule("ghost").CreateAsync(new ScheduleSpec("nobody", "x", Every: "1m")));
        Assert.Empty(await ScheduleListing.ListAsync(kit.Silo.GrainFactory));
    }

    [Fact]
    public async Task Index_ListsPerAgentAndAll_DeleteRemoves()
    {
        await using var kit = await ScheduleKit.StartAsync();
        await kit.Schedule("b").CreateAsync(new ScheduleSpec("assistant", "x", Cron: "0 9 * * *"));
        await kit.Schedule("a").CreateAsync(new ScheduleSpec("assistant", "y", Every: "1d"));
        await Assert.ThrowsAsync<ScheduleStateException>(() => kit.Schedule("a").CreateAsync(new ScheduleSpec("assistant", "y", Every: "1d")));

        Assert.Equal(["a", "b"], (await ScheduleListing.ListAsync(kit.Silo.GrainFactory)).Select(s => s.ScheduleId));
        Assert.Equal(["a", "b"], (await ScheduleListing.ListAsync(kit.Silo.GrainFactory, "assistant")).Select(s => s.ScheduleId));
        Assert.Empty(await ScheduleListing.ListAsync(kit.Silo.GrainFactory, "other"));

        await kit.Schedule("a").DeleteAsync();
        Assert.Null(await kit.Schedule("a").GetAsync());
        Assert.Equal(["b"], (await ScheduleListing.ListAsync(kit.Silo.GrainFactory)).Select(s => s.ScheduleId));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => kit.Schedule("a").RunNowAsync());
    }

    [Fact]
    public async Task PauseAndResume_NoCatchUpForPausedSlots()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await ScheduleKit.StartAsync(clock);
        var schedule = kit.Schedule("p");
        var t0 = clock.GetUtcNow();
        await schedule.CreateAsync(new ScheduleSpec("assistant", "x", Every: "10m", Session: "s"));
        var paused = await schedule.PauseAsync();
        Assert.True(paused.Paused);
        Assert.Null(paused.NextRunAt);

        clock.Advance(TimeSpan.FromMinutes(35));
        var resumed = await schedule.ResumeAsync();
        Assert.Equal(t0.AddMinutes(40), resumed.NextRunAt);
        Assert.Empty(await schedule.GetRunsAsync(10));
    }
}
