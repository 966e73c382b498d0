using Duragent.FakeLlm;
using Duragent.Sessions;
using Orleans.Runtime;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// A running turn always holds its <c>turn</c> reminder: it is what drives the turn again after a dropped post, and
/// what <see cref="SessionRecoveryService"/> looks for after a restart. A parked turn drops it at its next tick, so
/// every way a parked turn runs again must plan it again.
/// </summary>
public sealed class SessionTurnReminderTests
{
    private const string AskPolicy = "mode: ask\nallow: ['bash:echo safe']\n";

    [Fact]
    public async Task NewMessageResumingAParkedTurn_PlansTheTurnReminderAgain()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        var gate = new FakeGate();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo risky\"}")),
            FakeResponse.Text("something else").WithGate(gate));
        var (id, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "do it");
        Assert.Equal(SessionStatus.AwaitingApproval, parked.Status);
        await DropTurnReminderAsync(kit, id);

        await session.SendMessageAsync(new SendMessage("no, do something else"));
        await gate.WaitReachedAsync(SessionKit.Wait);

        Assert.Equal(SessionStatus.Running, (await session.GetInfoAsync())!.Status);
        Assert.NotNull(await TurnReminderAsync(kit, id));
        gate.Release();
    }

    [Fact]
    public async Task ExpiredApproval_PlansTheTurnReminderAgain()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy + "approval_timeout_seconds: 3\n");
        var gate = new FakeGate();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo risky\"}")),
            FakeResponse.Text("ok").WithGate(gate));
        var (id, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "do it");
        Assert.Equal(SessionStatus.AwaitingApproval, parked.Status);
        await DropTurnReminderAsync(kit, id);

        await gate.WaitReachedAsync(SessionKit.Wait);

        Assert.Equal(SessionStatus.Running, (await session.GetInfoAsync())!.Status);
        Assert.NotNull(await TurnReminderAsync(kit, id));
        gate.Release();
    }

    private static Task<ReminderEntry?> TurnReminderAsync(SessionKit kit, string id) =>
        kit.Silo.InMemoryStorage!.Reminders.ReadRow(GrainId.Create(SessionGrain.GrainTypeName, id), SessionGrain.TurnReminder);

    // What the turn reminder's first tick on a parked turn does (a minute after the turn started): the row goes.
    private static async Task DropTurnReminderAsync(SessionKit kit, string id)
    {
        var row = await TurnReminderAsync(kit, id);
        Assert.NotNull(row);
        Assert.True(await kit.Silo.InMemoryStorage!.Reminders.RemoveRow(row.GrainId, row.ReminderName, row.ETag!));
    }
}
