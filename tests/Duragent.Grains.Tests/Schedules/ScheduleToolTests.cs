using Duragent.FakeLlm;
using Duragent.Grains.Tests.Sessions;
using Duragent.Schedules;
using Duragent.Sessions.Events;
using Duragent.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>The agent's built-in <c>schedule</c> tool, called by the model through the agent loop, under the agent's policy.</summary>
public sealed class ScheduleToolTests
{
    private const string Tools = "[{type: builtin, name: bash}, {type: builtin, name: schedule}]";
    private const string Policy = "mode: restrict\nallow: ['builtin:schedule:create', 'builtin:schedule:list']\n";

    private static async Task<SessionKit> StartAsync()
    {
        var kit = await SessionKit.StartAsync(tools: Tools, policy: Policy, silo: b => b.Services.AddDuragentSchedules());
        return kit;
    }

    [Fact]
    public async Task TheModelCreatesAndListsItsSchedules_CancelIsDeniedByPolicy()
    {
        await using var kit = await StartAsync();
        var (sessionId, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("schedule", """{"action":"create","text":"stand-up time","cron":"0 9 * * MON-FRI","time_zone":"Europe/Berlin"}""")),
            FakeResponse.Text("Scheduled."));
        var first = await kit.AskAsync(session, "remind me at 9 on weekdays");
        Assert.Equal(TurnOutcome.Completed, first.Outcome);

        var schedule = Assert.Single(await ScheduleListing.ListAsync(kit.Silo.GrainFactory, "assistant"));
        Assert.Equal("tool", schedule.Spec.Source);
        Assert.Equal(sessionId, schedule.Spec.Session);
        Assert.Equal("Europe/Berlin", schedule.Spec.TimeZone);
        var created = (await kit.EventsAsync<ToolFinished>(sessionId)).Single();
        Assert.Equal(ToolOutcome.Ok, created.Status);
        Assert.Contains(schedule.ScheduleId, created.Content, StringComparison.Ordinal);

        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("schedule", """{"action":"list"}""")),
            FakeResponse.ToolCalls(FakeToolCall.Create("schedule", $$"""{"action":"cancel","id":"{{schedule.ScheduleId}}"}""")),
            FakeResponse.Text("Done."));
        await kit.AskAsync(session, "list them, then cancel it");

        var results = await kit.EventsAsync<ToolFinished>(sessionId);
        Assert.Contains(schedule.ScheduleId, results[1].Content, StringComparison.Ordinal);
        Assert.Equal(ToolOutcome.Denied, results[2].Status);
        Assert.NotNull(await kit.Schedule(schedule.ScheduleId).GetAsync());
    }

    [Fact]
    public async Task TheToolSeesOnlyItsAgentsSchedules_AndBadInputIsAnErrorResult()
    {
        await using var kit = await StartAsync();
        var other = Path.Combine(kit.Root, "agents", "other");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(kit.AgentDirectory()))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(other, "agent.yaml"), File.ReadAllText(Path.Combine(other, "agent.yaml")).Replace("name: assistant", "name: other", StringComparison.Ordinal));
        await kit.Schedule("theirs").CreateAsync(new ScheduleSpec("other", "not yours", Every: "1h"));

        var tool = new ScheduleTool(kit.Silo.GrainFactory);
        var context = new ToolContext("s1", "assistant", kit.Root, "call_1");
        var cancel = await tool.ExecuteAsync(Json("""{"action":"cancel","id":"theirs"}"""), context, CancellationToken.None);
        Assert.Equal(ToolOutcome.Error, cancel.Outcome);
        Assert.Contains("no schedule 'theirs'", cancel.Content, StringComparison.Ordinal);
        Assert.NotNull(await kit.Schedule("theirs").GetAsync());

        var list = await tool.ExecuteAsync(Json("""{"action":"list"}"""), context, CancellationToken.None);
        Assert.Equal("You have no schedules.", list.Content);

        var bad = await tool.ExecuteAsync(Json("""{"action":"create","text":"x","cron":"99 * * * *"}"""), context, CancellationToken.None);
        Assert.Equal(ToolOutcome.Error, bad.Outcome);
        Assert.StartsWith("cron: ", bad.Content, StringComparison.Ordinal);
        var nothing = await tool.ExecuteAsync(Json("""{"action":"explode"}"""), context, CancellationToken.None);
        Assert.Equal(ToolOutcome.Error, nothing.Outcome);
        Assert.Equal("schedule:?", tool.DescribeInvocation(Json("""{"action":"create-and-also-something-long"}""")));

        // The same call made again (a rerun after a crash) finds the schedule it created instead of a second one.
        var create = Json("""{"action":"create","text":"once","at":"in 1h","target":"new_session"}""");
        var one = await tool.ExecuteAsync(create, context, CancellationToken.None);
        var again = await tool.ExecuteAsync(create, context, CancellationToken.None);
        Assert.Equal(one.Content, again.Content);
        Assert.Single(await ScheduleListing.ListAsync(kit.Silo.GrainFactory, "assistant"));
    }

    private static System.Text.Json.JsonElement Json(string text) => System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
}
