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

    [Fact]
    public async Task AgentSchedulesFile_IsReconciledLikeTheConfigSection_AndAFileWithErrorsDeletesNothing()
    {
        var kit = await SessionKit.StartAsync(silo: b => b.Services.AddDuragentSchedules());
        await using var empty = kit;
        var file = Path.Combine(kit.AgentDirectory(), "schedules.yaml");
        await File.WriteAllTextAsync(file, """
            schedules:
              - {id: hourly, text: first, every: 1h}
              - {id: daily, text: d, cron: "0 9 * * *", time_zone: Europe/Paris, payload: task}

            """);

        await using var first = await RestartAsync(kit, []);
        await first.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Equal(["assistant.daily", "assistant.hourly"], await IdsAsync(first));
        var hourly = (await first.Schedule("assistant.hourly").GetAsync())!;
        Assert.Equal(("assistant", "config"), (hourly.Spec.Agent, hourly.Spec.Source));
        Assert.Equal(SchedulePayload.Task, (await first.Schedule("assistant.daily").GetAsync())!.Spec.Payload);

        // Changed, removed, added; then the same file again changes nothing.
        await File.WriteAllTextAsync(file, """
            schedules:
              - {id: hourly, text: second, every: 1h}
              - {id: weekly, agent: assistant, text: w, cron: "0 9 * * MON"}

            """);
        await using var second = await RestartAsync(first, []);
        await second.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Equal(["assistant.hourly", "assistant.weekly"], await IdsAsync(second));
        var updated = (await second.Schedule("assistant.hourly").GetAsync())!;
        Assert.Equal("second", updated.Spec.Text);
        Assert.Equal(hourly.CreatedAt, updated.CreatedAt);
        await using var third = await RestartAsync(second, []);
        var same = await third.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Contains("2 declared, 0 created or updated, 0 removed", same.Message, StringComparison.Ordinal);

        // A typo: the error is located, the valid declaration is still applied, and nothing of the agent is deleted.
        await File.WriteAllTextAsync(file, """
            schedules:
              - {id: hourly, text: third, every: 1h}
              - id: weekly
                agent: somebody-else
                text: w
                cron: "0 9 * * MON"
              - {id: broken, text: b, cron: "61 * * * *"}

            """);
        await using var fourth = await RestartAsync(third, []);
        var done = await fourth.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);
        Assert.Contains($"{file}:4:12: error: schedules[1].agent: 'somebody-else' is another agent", string.Join('\n', fourth.Silo.Logs.Where(r => r.EventId.Id == 4107).Select(r => r.Message)), StringComparison.Ordinal);
        Assert.Contains(fourth.Silo.Logs, r => r.EventId.Id == 4107 && r.Message.StartsWith($"{file}:7:33: error: schedules[2].cron: '61 * * * *' is not a valid cron expression", StringComparison.Ordinal));
        Assert.Contains("1 declared, 1 created or updated, 0 removed", done.Message, StringComparison.Ordinal);
        Assert.Equal(["assistant.hourly", "assistant.weekly"], await IdsAsync(fourth));
        Assert.Equal("third", (await fourth.Schedule("assistant.hourly").GetAsync())!.Spec.Text);
    }

    [Fact]
    public async Task AgentSchedulesFile_IdDeclaredAlreadyInTheConfig_IsIgnoredNotDuplicated()
    {
        var declared = new List<DeclaredSchedule> { new("assistant.hourly", new ScheduleSpec("assistant", "from duragent.yaml", Every: "1h"), "duragent.yaml:3:5") };
        var kit = await SessionKit.StartAsync(silo: b => b.Services.AddDuragentSchedules());
        await using var empty = kit;
        await File.WriteAllTextAsync(Path.Combine(kit.AgentDirectory(), "schedules.yaml"), "schedules:\n  - {id: hourly, text: from the agent, every: 1h}\n");

        await using var started = await RestartAsync(kit, declared);
        await started.Silo.WaitForLogAsync(r => r.EventId.Id == 4106).WaitAsync(ScheduleKit.Wait);

        Assert.Equal(["assistant.hourly"], await IdsAsync(started));
        Assert.Equal("from duragent.yaml", (await started.Schedule("assistant.hourly").GetAsync())!.Spec.Text);
        Assert.Contains(started.Silo.Logs, r => r.EventId.Id == 4107 && r.Message.Contains("schedule id 'assistant.hourly' is declared already at duragent.yaml:3:5", StringComparison.Ordinal));
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
