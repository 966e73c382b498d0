using System.Globalization;
using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// The HTTP gateway calls through silo 1; the session lives on silo 2. Messages, live SSE, resume and attach work
/// across the silo boundary exactly as on one silo.
/// </summary>
public sealed class CrossSiloTests
{
    [Fact]
    public async Task Message_WithWait_ThroughSilo1_IsAnsweredBySessionOnSilo2()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Answered ", "from ", "silo 2"));
        var id = await kit.CreateSessionOnSilo2Async(OnDisconnect.Continue);

        using var sent = await kit.Client.PostAsync($"api/v1/sessions/{id}/messages?wait=true", GatewayKit.Json("""{"content":"where are you?"}"""));
        await Http.ExpectAsync(sent, 200);
        var result = await Http.ReadAsync(sent, SessionJsonContext.Default.TurnResult);
        Assert.Equal("Answered from silo 2", result.Content);
        Assert.Equal(SessionStatus.Active, result.Status);

        using var messages = await kit.Client.GetAsync($"api/v1/sessions/{id}/messages");
        await Http.ExpectAsync(messages, 200);
        var page = await Http.ReadAsync(messages, SessionJsonContext.Default.MessagePage);
        Assert.Equal(["user:where are you?", "assistant:Answered from silo 2"], page.Messages.Select(m => $"{m.Role}:{m.Content}"));
        Assert.Single(kit.Llm.Requests);
        kit.AssertOnSilo2(id);
    }

    [Fact]
    public async Task Stream_ThroughSilo1_FollowsATurnOnSilo2Live()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("Hel", "lo", " wor", "ld").WithGate(gate, afterChunks: 2));
        var id = await kit.CreateSessionOnSilo2Async(OnDisconnect.Continue);
        await using var sse = await kit.OpenStreamAsync(id);

        await kit.SendAsync(id, "hi");
        await gate.WaitReachedAsync(TwoSiloKit.Wait);

        // The LLM is held after "Hel" and "lo": those deltas must reach the client now, not at the end of the turn.
        while (TwoSiloKit.Text(sse.Received, "assistant_delta", "text") != "Hello")
        {
            await sse.NextAsync("the deltas sent before the gate (\"Hello\")");
            Assert.DoesNotContain(sse.Received, e => e.EventType is "assistant_message" or "turn_completed");
        }

        await kit.WaitForInfoAsync(id, i => i.AttachedClients == 1, "the session on silo 2 to count the SSE client attached");
        gate.Release();
        var completed = await sse.ReadUntilAsync("turn_completed");
        await sse.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "active");

        Assert.Equal("completed", JsonDocument.Parse(completed.Data).RootElement.GetProperty("outcome").GetString());
        Assert.Equal("Hello world", TwoSiloKit.Text(sse.Received, "assistant_delta", "text"));
        Assert.Equal("Hello world", TwoSiloKit.Text(sse.Received, "assistant_message", "content"));
        var ids = sse.Received.Select(e => long.Parse(e.EventId!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        var stored = await kit.EventsAsync(id);
        Assert.Equal(stored.Select(e => e.GetRawText()), sse.Received.Select(e => e.Data));
        kit.AssertOnSilo2(id);
    }

    [Fact]
    public async Task Resume_ThroughSilo1_MidTurn_DeliversExactlyTheRemainingEvents()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("one", " two", " three", " four").WithGate(gate, afterChunks: 2));
        var id = await kit.CreateSessionOnSilo2Async(OnDisconnect.Continue);

        var first = await kit.OpenStreamAsync(id, "?attach=false");
        await kit.SendAsync(id, "count");
        await first.ReadUntilAsync("llm_call_started");
        await gate.WaitReachedAsync(TwoSiloKit.Wait);
        var middle = first.LastId;
        await first.DisposeAsync();

        // Events after the middle are in the log by now ("one two"); the rest comes live once the gate opens.
        await using var second = await kit.OpenStreamAsync(id, lastEventId: middle);
        await second.ReadUntilAsync("assistant_delta");
        gate.Release();
        await second.ReadUntilAsync("turn_completed");
        await second.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "active");

        var stored = await kit.EventsAsync(id, after: middle);
        Assert.Equal(stored.Select(e => e.GetProperty("seq").GetInt64()), second.Received.Select(e => long.Parse(e.EventId!, CultureInfo.InvariantCulture)));
        Assert.Equal(stored.Select(e => e.GetRawText()), second.Received.Select(e => e.Data));
        Assert.Equal(middle + 1, long.Parse(second.Received[0].EventId!, CultureInfo.InvariantCulture));
        Assert.Equal("one two three four", TwoSiloKit.Text(first.Received.Concat(second.Received), "assistant_message", "content"));
        kit.AssertOnSilo2(id);
    }

    [Fact]
    public async Task AttachedClientLeavingMidTurn_PausesSessionOnSilo2_AndResumeFinishesTheTurn()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("partial", " more").WithGate(gate, afterChunks: 1), FakeResponse.Text("after resume"));
        var id = await kit.CreateSessionOnSilo2Async(OnDisconnect.Pause);
        await using var observer = await kit.OpenStreamAsync(id, "?attach=false");
        var attached = await kit.OpenStreamAsync(id, "?attach=true");

        await kit.SendAsync(id, "go");
        await gate.WaitReachedAsync(TwoSiloKit.Wait);
        await attached.ReadUntilAsync("llm_call_started");
        await kit.WaitForInfoAsync(id, i => i.AttachedClients == 1, "the session on silo 2 to count the SSE client attached");

        await attached.DisposeAsync();

        await observer.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "paused");
        var paused = await kit.GetSessionAsync(id);
        Assert.Equal(SessionStatus.Paused, paused.Status);
        Assert.Equal(0, paused.AttachedClients);
        gate.Release();

        using var resume = await kit.Client.PostAsync($"api/v1/sessions/{id}/resume", null);
        await Http.ExpectAsync(resume, 200);
        var completed = await observer.ReadUntilAsync("turn_completed");
        Assert.Equal("completed", JsonDocument.Parse(completed.Data).RootElement.GetProperty("outcome").GetString());
        var answer = JsonDocument.Parse(observer.Received.Last(e => e.EventType == "assistant_message").Data).RootElement;
        Assert.Equal("after resume", answer.GetProperty("content").GetString());
        kit.AssertOnSilo2(id);
    }
}
