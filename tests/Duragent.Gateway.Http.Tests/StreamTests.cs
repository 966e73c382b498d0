using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Gateway.Http.Tests;

public sealed class StreamTests
{
    [Fact]
    public async Task Conversation_PostThenStream_DeliversEveryStoredEventVerbatim()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Hel", "lo", "!"));
        var session = await kit.CreateSessionAsync();
        await using var sse = await SseClient.OpenAsync(kit, session.SessionId);
        Assert.Equal("no-cache", sse.Response.Headers.CacheControl?.ToString());

        await kit.SendAsync(session.SessionId, "hi");
        await sse.ReadUntilAsync("turn_completed");

        var types = sse.Received.Select(e => e.EventType).ToList();
        Assert.Equal("session_started", types[0]);
        Assert.Equal(["session_started", "user_message", "turn_started", "status_changed", "llm_call_started"], types.Take(5));
        Assert.Contains("assistant_message", types);
        Assert.Equal(Enumerable.Range(1, sse.Received.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), sse.Received.Select(e => e.EventId));
        var stored = await kit.EventsAsync(session.SessionId);
        for (var i = 0; i < sse.Received.Count; i++)
        {
            Assert.Equal(stored[i].GetRawText(), sse.Received[i].Data);
            Assert.Equal(stored[i].GetProperty("type").GetString(), sse.Received[i].EventType);
        }

        var answer = JsonDocument.Parse(sse.Received.Single(e => e.EventType == "assistant_message").Data).RootElement;
        Assert.Equal("Hello!", answer.GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("header")]
    [InlineData("query")]
    public async Task Resume_AfterADisconnect_DeliversEveryEventExactlyOnce(string how)
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "continue");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("one", " two", " three", " four").WithGate(gate, 2), FakeResponse.Text("second answer"));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");

        var first = await SseClient.OpenAsync(kit, session.SessionId);
        await kit.SendAsync(session.SessionId, "first");
        await first.ReadUntilAsync("llm_call_started");
        await gate.WaitReachedAsync(GatewayKit.Wait);
        var seenBefore = first.Received.ToList();
        await first.DisposeAsync();

        // While nobody reads: the first turn finishes.
        gate.Release();
        await observer.ReadUntilAsync("turn_completed");

        await using var second = how == "header"
            ? await SseClient.OpenAsync(kit, session.SessionId, lastEventId: long.Parse(seenBefore[^1].EventId!, System.Globalization.CultureInfo.InvariantCulture))
            : await SseClient.OpenAsync(kit, session.SessionId, $"?last_event_id={seenBefore[^1].EventId}");
        await second.ReadUntilAsync("turn_completed");

        // And live events after the replay.
        await kit.SendAsync(session.SessionId, "second");
        await second.ReadUntilAsync("turn_completed");
        var all = seenBefore.Concat(second.Received).ToList();
        var ids = all.Select(e => long.Parse(e.EventId!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        var stored = await kit.EventsAsync(session.SessionId);
        Assert.True(stored.Count >= ids.Count, $"the log has {stored.Count} events, the streams gave {ids.Count}");
        for (var i = 0; i < all.Count; i++)
        {
            Assert.Equal(stored[i].GetRawText(), all[i].Data);
        }

        Assert.Equal(2, all.Count(e => e.EventType == "turn_completed"));
    }

    [Fact]
    public async Task Replay_FromTheStart_AfterCompaction_IncludesTheArchivedEvents()
    {
        await using var kit = await GatewayKit.StartAsync(yaml: "sessions:\n  snapshot_every_events: 3\n  compaction: archive\n");
        kit.Llm.Fallback = _ => FakeResponse.Text("ok");
        var session = await kit.CreateSessionAsync();
        for (var i = 0; i < 3; i++)
        {
            using var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json($$"""{"content":"turn {{i}}"}"""));
            await Http.ExpectAsync(sent, 200);
        }

        Assert.True(File.Exists(Path.Combine(kit.SessionsDirectory, session.SessionId, "events.archive.jsonl")), "the log was not compacted into an archive");
        var last = (await kit.GetSessionAsync(session.SessionId)).LastSeq;

        await using var sse = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false&last_event_id=0");
        while (sse.Received.Count == 0 || sse.LastId < last)
        {
            await sse.NextAsync($"event {last}");
        }

        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), sse.Received.Select(e => long.Parse(e.EventId!, System.Globalization.CultureInfo.InvariantCulture)));
        var stored = await kit.EventsAsync(session.SessionId);
        Assert.Equal(stored.Select(e => e.GetRawText()), sse.Received.Select(e => e.Data));
    }

    [Fact]
    public async Task AttachedClientLeavingMidTurn_PausesAPauseAgent_AndResumeContinues()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("partial", " more").WithGate(gate, 1), FakeResponse.Text("after resume"));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        var attached = await SseClient.OpenAsync(kit, session.SessionId);
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);

        // The attach counts once the client got its first event; reading a later one proves it did.
        await attached.ReadUntilAsync("llm_call_started");
        Assert.Equal(1, (await kit.GetSessionAsync(session.SessionId)).AttachedClients);

        await attached.DisposeAsync();

        await observer.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "paused");
        var paused = await kit.GetSessionAsync(session.SessionId);
        Assert.Equal(SessionStatus.Paused, paused.Status);
        Assert.Equal(0, paused.AttachedClients);
        gate.Release();

        using var resume = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/resume", null);
        await Http.ExpectAsync(resume, 200);
        var resumed = await Http.ReadAsync(resume, SessionJsonContext.Default.SessionInfo);
        Assert.NotEqual(SessionStatus.Paused, resumed.Status);
        var completed = await observer.ReadUntilAsync("turn_completed");
        Assert.Equal("completed", JsonDocument.Parse(completed.Data).RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ObserverLeavingMidTurn_DoesNotPause()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();
        await using var watcher = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        var leaving = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);
        await leaving.ReadUntilAsync("llm_call_started");

        await leaving.DisposeAsync();
        gate.Release();

        await watcher.ReadUntilAsync("turn_completed");
        Assert.DoesNotContain(watcher.Received, e => e.EventType == "status_changed" && e.Data.Contains("\"to\":\"paused\"", StringComparison.Ordinal));
        Assert.Equal(SessionStatus.Active, (await kit.GetSessionAsync(session.SessionId)).Status);
    }

    [Fact]
    public async Task WaitingCallerLeavingMidTurn_PausesAPauseAgent()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        var waiter = kit.NewClient();
        var waiting = waiter.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"go"}"""));
        await gate.WaitReachedAsync(GatewayKit.Wait);

        waiter.CancelPendingRequests();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        await observer.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "paused");
        gate.Release();
        waiter.Dispose();
    }

    [Fact]
    public async Task Stream_OpensMidTurn_FromAGivenEvent()
    {
        await using var kit = await GatewayKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("x", "y").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();
        var accepted = await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);

        await using var sse = await SseClient.OpenAsync(kit, session.SessionId, $"?last_event_id={accepted.Seq}");
        var first = await sse.NextAsync("the first event after the user message");
        gate.Release();
        await sse.ReadUntilAsync("turn_completed");

        Assert.Equal((accepted.Seq + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), first.EventId);
        Assert.Equal("turn_started", first.EventType);
    }

    [Fact]
    public async Task Stream_EndsWhenTheSessionIsDeleted()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        await using var sse = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await sse.ReadUntilAsync("session_started");

        using var deleted = await kit.Client.DeleteAsync($"api/v1/sessions/{session.SessionId}");
        await Http.ExpectAsync(deleted, 204);

        await sse.ReadToEndAsync("the end of the stream after the delete");
        Assert.Contains(sse.Received, e => e.EventType == "status_changed" && e.Data.Contains("\"to\":\"completed\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_EndsCleanly_WhenTheSessionsActivationEnds()
    {
        // A shorter response timeout: the reader's pending poll returns (and finds its enumerator gone) sooner.
        await using var kit = await GatewayKit.StartAsync(services: s => s.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(4)));
        var session = await kit.CreateSessionAsync();
        await using var sse = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await sse.ReadUntilAsync("session_started");

        var grains = kit.App.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<ISessionGrain>(session.SessionId).AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();

        await sse.ReadToEndAsync("the end of the stream after the session's activation ended");
        Assert.DoesNotContain(kit.Logs.Records, r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Stream_EndsWhenTheServerStops()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        await using var sse = await SseClient.OpenAsync(kit, session.SessionId);
        await sse.ReadUntilAsync("session_started");

        await kit.StopAsync().WaitFor("the server to stop with a stream open", GatewayKit.Wait);

        await sse.ReadToEndAsync("the end of the stream after the stop");
    }

    [Fact]
    public async Task Stream_OutlivesTheRequestTimeout()
    {
        await using var kit = await GatewayKit.StartAsync(gateway: o =>
        {
            o.RequestTimeout = TimeSpan.FromMilliseconds(100);
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(25);
        });
        kit.Llm.Enqueue(FakeResponse.Text("late"));
        var session = await kit.CreateSessionAsync();
        using var client = kit.NewClient();
        using var response = await client.GetAsync($"api/v1/sessions/{session.SessionId}/stream?attach=false", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var reader = new StreamReader(stream);

        // Twenty keep-alives: five times the request timeout has passed with the stream open.
        var keepAlives = 0;
        while (keepAlives < 20)
        {
            var line = await reader.ReadLineAsync().WaitFor("the next line of the stream");
            Assert.NotNull(line);
            keepAlives += line == ": keep-alive" ? 1 : 0;
        }

        await kit.SendAsync(session.SessionId, "still there?");
        string? received;
        do
        {
            received = await reader.ReadLineAsync().WaitFor("the events of the new turn");
        }
        while (received is not null && received != "event: turn_completed");

        Assert.Equal("event: turn_completed", received);
    }

    [Fact]
    public async Task Stream_SendsKeepAliveComments()
    {
        await using var kit = await GatewayKit.StartAsync(gateway: o => o.KeepAliveInterval = TimeSpan.FromMilliseconds(50));
        var session = await kit.CreateSessionAsync();
        using var client = kit.NewClient();
        using var response = await client.GetAsync($"api/v1/sessions/{session.SessionId}/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();

        var text = new StringBuilder();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(GatewayKit.Wait);
        while (!text.ToString().Contains(": keep-alive\n\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.StartsWith("retry: 3000\n\nid: 1\nevent: session_started\ndata: {", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_Is404ForAnUnknownSession_And400ForABadEventId()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();

        using var missing = await kit.Client.GetAsync("api/v1/sessions/session_nope/stream");
        using var badQuery = await kit.Client.GetAsync($"api/v1/sessions/{session.SessionId}/stream?last_event_id=abc");
        using var badAttach = await kit.Client.GetAsync($"api/v1/sessions/{session.SessionId}/stream?attach=sometimes");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/sessions/{session.SessionId}/stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "-5");
        using var badHeader = await kit.Client.SendAsync(request);

        await Http.ProblemAsync(missing, 404, ProblemCodes.SessionNotFound);
        Assert.Contains("last_event_id", (await Http.ProblemAsync(badQuery, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
        Assert.Contains("attach", (await Http.ProblemAsync(badAttach, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
        Assert.Contains("Last-Event-ID", (await Http.ProblemAsync(badHeader, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
    }
}
