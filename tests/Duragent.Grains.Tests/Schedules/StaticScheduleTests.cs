using Duragent.Grains.Tests.Sessions;
using Duragent.Schedules;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>Static schedules reconciled at silo start: added, updated, removed, never duplicated; API schedules untouched.</summary>
public sealed class StaticScheduleTests
{
    [Fact]
    public async Task Reconciliation_AddsUpdatesRemovesAndNeverDuplicates()
    {
        var declared = new List<DeclaredSchedule>
        {
            new("a", new ScheduleSpec("assistant", "first text", Every: "1h"), "duragent.yaml:2:5"),
            new("b", new ScheduleSpec("assistant", "b", Cron: "0 9 * * *"), "duragent.yaml:5:5"),
            new("bad", new ScheduleSpec("nobody", "x", Every: "1h"), "duragent.yaml:8:5"),
        };
        var kit = await SessionKit.StartAsync(silo: b => b.Services.AddDuragentSchedules(declared: declared.ToList()));
        await using var first = kit;
        await kit.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Contains(kit.Silo.Logs, r => r.EventId.Id == 4101 && r.Message.StartsWith("duragent.yaml:8:5: static schedule bad not applied: Agent 'nobody' does not exist", StringComparison.Ordinal));
        await kit.Schedule("api-made").CreateAsync(new ScheduleSpec("assistant", "mine", Every: "2h", Source: "api"));
        Assert.Equal(["a", "api-made", "b"], await IdsAsync(kit));
        var createdAt = (await kit.Schedule("a").GetAsync())!.CreatedAt;

        // Second start: a changed, b gone, c new.
        declared.Clear();
        declared.Add(new("a", new ScheduleSpec("assistant", "second text", Every: "1h"), "duragent.yaml:2:5"));
        declared.Add(new("c", new ScheduleSpec("assistant", "c", At: "2099-01-01T00:00:00Z"), "duragent.yaml:5:5"));
        await using var second = await RestartAsync(kit, declared);
        await second.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Equal(["a", "api-made", "c"], await IdsAsync(second));
        var a = (await second.Schedule("a").GetAsync())!;
        Assert.Equal("second text", a.Spec.Text);
        Assert.Equal(createdAt, a.CreatedAt);
        Assert.Equal("config", a.Spec.Source);

        // Third start with the same declarations: nothing changes.
        await using var third = await RestartAsync(second, declared);
        var done = await third.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Contains("0 created or updated, 0 removed", done.Message, StringComparison.Ordinal);
        Assert.Equal(["a", "api-made", "c"], await IdsAsync(third));
        Assert.Equal(a.UpdatedAt, (await third.Schedule("a").GetAsync())!.UpdatedAt);
    }

    private static async Task<SessionKit> RestartAsync(SessionKit kit, List<DeclaredSchedule> declared)
    {
        // The kit restarts with the silo setup of its first start; the declarations it captured are the list's contents now.
        var snapshot = declared.ToList();
        await kit.Silo.DisposeAsync();
        return await SessionKit.StartAsync(restartOf: kit, silo: b => b.Services.AddDuragentSchedules(declared: snapshot));
    }

    private static async Task<List<string>> IdsAsync(SessionKit kit) =>
        (await ScheduleListing.ListAsync(kit.Silo.GrainFactory)).Select(s => s.ScheduleId).ToList();
}
