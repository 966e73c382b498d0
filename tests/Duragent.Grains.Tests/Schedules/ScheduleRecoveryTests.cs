using Duragent.Schedules;
using Duragent.Testing;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>
/// Exactly one fire per slot across restarts: missed slots follow catch_up (once fires the latest once, skip fires none
/// and records why), and a run recorded as started but not finished is delivered again without a second message.
/// </summary>
public sealed class ScheduleRecoveryTests
{
    [Fact]
    public async Task CatchUpOnce_AfterDowntimeFiresTheLatestMissedSlotOnceAndRecordsTheRest()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var t0 = clock.GetUtcNow();
        await using var kit = await ScheduleKit.StartAsync(clock);
        await kit.Schedule("hourly").CreateAsync(new ScheduleSpec("assistant", "wake up", Every: "10m", Session: "inbox"));

        // The silo is down from t0 to t0 + 47m: the slots at 10, 20, 30 and 40 minutes fall due meanwhile.
        await kit.Silo.StopAsync();
        clock.Advance(TimeSpan.FromMinutes(47));
        var restarted = await kit.RestartAsync();
        await restarted.Schedule("hourly").GetAsync();
        await restarted.WaitForFinishedAsync("hourly");

        var runs = await restarted.Schedule("hourly").GetRunsAsync(10);
        var fired = Assert.Single(runs, r => r.Status == ScheduleRunStatus.Ok);
        Assert.Equal(t0.AddMinutes(40), fired.Slot);
        Assert.Contains("caught up 7m late", fired.Detail, StringComparison.Ordinal);
        var skipped = Assert.Single(runs, r => r.Status == ScheduleRunStatus.Skipped);
        Assert.Equal(3, skipped.SkippedSlots);
        Assert.Equal(t0.AddMinutes(10), skipped.Slot);
        Assert.Equal(t0.AddMinutes(30), skipped.LastSlot);
        Assert.Single(await restarted.UserMessagesAsync("inbox"));
        Assert.Equal(t0.AddMinutes(50), (await restarted.Schedule("hourly").GetAsync())!.NextRunAt);
    }

    [Fact]
    public async Task CatchUpSkip_AfterDowntimeFiresNothingAndRecordsEverySkip()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var t0 = clock.GetUtcNow();
        await using var kit = await ScheduleKit.StartAsync(clock);
        await kit.Schedule("strict").CreateAsync(new ScheduleSpec("assistant", "now or never", Every: "10m", Session: "inbox", CatchUp: CatchUpPolicy.Skip));

        await kit.Silo.StopAsync();
        clock.Advance(TimeSpan.FromMinutes(47));
        var restarted = await kit.RestartAsync();
        await restarted.Schedule("strict").GetAsync();
        await restarted.WaitForLogAsync(4005, "strict", 2, "the second skip record");

        var runs = await restarted.Schedule("strict").GetRunsAsync(10);
        Assert.All(runs, r => Assert.Equal(ScheduleRunStatus.Skipped, r.Status));
        Assert.Equal(4, runs.Sum(r => r.SkippedSlots));
        Assert.Contains(runs, r => r.Slot == t0.AddMinutes(40) && r.Detail!.Contains("missed by 7m (catch_up: skip)", StringComparison.Ordinal));
        Assert.Empty(await restarted.UserMessagesAsync("inbox"));
    }

    [Fact]
    public async Task CatchUpOnce_BeyondTheGraceWindowSkipsWithTheReason()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await ScheduleKit.StartAsync(clock);
        await kit.Schedule("daily").CreateAsync(new ScheduleSpec("assistant", "x", Every: "1d", Session: "inbox", Grace: "2h"));

        await kit.Silo.StopAsync();
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(3));
        var restarted = await kit.RestartAsync();
        await restarted.Schedule("daily").GetAsync();
        await restarted.WaitForLogAsync(4005, "daily", 1, "the skip record");

        var skipped = Assert.Single(await restarted.Schedule("daily").GetRunsAsync(10));
        Assert.Equal(ScheduleRunStatus.Skipped, skipped.Status);
        Assert.Contains("missed by 3h, beyond the grace window of 2h", skipped.Detail, StringComparison.Ordinal);
        Assert.Empty(await restarted.UserMessagesAsync("inbox"));
    }

    [Fact]
    public async Task StartedButUnfinishedRun_IsDeliveredAgainAndTheSessionStoresItOnce()
    {
        await using var kit = await ScheduleKit.StartAsync(fileStorage: true);
        await kit.Schedule("once").CreateAsync(new ScheduleSpec("assistant", "only once", Every: "1h", Session: "inbox"));
        var run = await kit.Schedule("once").RunNowAsync();
        Assert.Equal(ScheduleRunStatus.Ok, run.Status);
        Assert.Single(await kit.UserMessagesAsync("inbox"));
        await kit.Silo.StopAsync();

        // The state as a crash right after the delivery and before the "finished" write leaves it: the run is running.
        var stateFile = Directory.GetFiles(kit.Silo.Directory, "state.yaml", SearchOption.AllDirectories)
            .Single(f => f.Contains(Path.Combine("schedules", "once"), StringComparison.Ordinal));
        var yaml = await File.ReadAllTextAsync(stateFile);
        Assert.Contains("status: ok", yaml, StringComparison.Ordinal);
        await File.WriteAllTextAsync(stateFile, yaml.Replace("status: ok", "status: running", StringComparison.Ordinal));

        var restarted = await kit.RestartAsync();
        await restarted.Schedule("once").GetAsync();
        await restarted.WaitForFinishedAsync("once");

        var again = Assert.Single(await restarted.Schedule("once").GetRunsAsync(10));
        Assert.Equal(run.RunId, again.RunId);
        Assert.Equal(ScheduleRunStatus.Ok, again.Status);
        Assert.Contains("recognised by the session as already stored", again.Detail, StringComparison.Ordinal);
        Assert.Single(await restarted.UserMessagesAsync("inbox"));
        Assert.Contains(restarted.Silo.Logs, l => l.EventId.Id == 4006);
    }
}
