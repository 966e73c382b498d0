using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Duragent.FakeLlm;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// A workspace written by the release before the move to Orleans (commit cfd2895), kept as it was in
/// <c>tests/fixtures/workspace-release1</c> (its README says what it holds), opens unchanged: every test starts a
/// server on a fresh copy whose agent calls this test's fake LLM, and checks the old sessions through the HTTP API
/// (docs/api.md) only, comparing what it serves with the fixture's files and with what the old release answered.
/// </summary>
public sealed partial class OldWorkspaceTests
{
    // Session A: two completed exchanges (status active).
    private const string SessionA = "session_01M8XY4HCJMP3FV0DK0CSZ5STX";

    // Session B: a bash call waiting for approval, with an expiry in 2090.
    private const string SessionB = "session_01M8XY4J4FTWAXFJ8PK2Y732HA";

    // Session C: a turn paused when its only attached client left mid-stream.
    private const string SessionC = "session_01M8XY4J6YMMJ0Q96D7AR46ADQ";

    private const string ApprovalCallId = "call_fixture_b1";

    [Fact]
    public async Task OldWorkspace_ListsEverySessionWithItsStatus()
    {
        await using var kit = await StartAsync();

        using var response = await kit.Client.GetAsync("api/v1/sessions");

        await Http.ExpectAsync(response, 200);
        var sessions = (await Http.JsonAsync(response)).GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("session_id").GetString()!);
        Assert.Equal([SessionA, SessionB, SessionC], sessions.Keys.Order(StringComparer.Ordinal));

        var a = sessions[SessionA];
        Assert.Equal("active", a.GetProperty("status").GetString());
        Assert.Equal("assistant", a.GetProperty("agent").GetString());
        Assert.Equal("pause", a.GetProperty("on_disconnect").GetString());
        Assert.Equal("cli", a.GetProperty("source").GetString());
        Assert.Equal(18, a.GetProperty("last_seq").GetInt64());
        Assert.Equal(4, a.GetProperty("message_count").GetInt32());
        Assert.False(a.TryGetProperty("pending_approval", out _));

        var b = sessions[SessionB];
        Assert.Equal("awaiting_approval", b.GetProperty("status").GetString());
        Assert.Equal(9, b.GetProperty("last_seq").GetInt64());
        Assert.Equal("turn_01M8XY4J50BH91D3QZAQVBGG0C", b.GetProperty("current_turn_id").GetString());
        var pending = b.GetProperty("pending_approval");
        Assert.Equal(ApprovalCallId, pending.GetProperty("call_id").GetString());
        Assert.Equal("bash", pending.GetProperty("tool").GetString());
        Assert.Equal("echo fixture-approved", pending.GetProperty("command").GetString());
        Assert.Equal(DateTimeOffset.Parse("2090-04-19T16:03:35.2342249+00:00", System.Globalization.CultureInfo.InvariantCulture), pending.GetProperty("expires_at").GetDateTimeOffset());

        var c = sessions[SessionC];
        Assert.Equal("paused", c.GetProperty("status").GetString());
        Assert.Equal(8, c.GetProperty("last_seq").GetInt64());
        Assert.Equal("turn_01M8XY4J8N1XGS8KBXBWM9TQMD", c.GetProperty("current_turn_id").GetString());

        // The single-session route agrees with the list (it activates each session on its own).
        foreach (var (id, listed) in sessions)
        {
            using var one = await kit.Client.GetAsync($"api/v1/sessions/{id}");
            await Http.ExpectAsync(one, 200);
            var info = await Http.JsonAsync(one);
            Assert.Equal(listed.GetProperty("status").GetString(), info.GetProperty("status").GetString());
            Assert.Equal(listed.GetProperty("last_seq").GetInt64(), info.GetProperty("last_seq").GetInt64());
        }
    }

    [Fact]
    public async Task OldWorkspace_ServesTheMessagesOfItsSessionsInOrder()
    {
        await using var kit = await StartAsync();

        var a = await MessagesAsync(kit, SessionA);
        var c = await MessagesAsync(kit, SessionC);

        Assert.Equal(
            [
                (2L, "user", "Hello, assistant.", false),
                (7L, "assistant", "Hello! I am the fixture assistant.", false),
                (10L, "user", "How are you?", false),
                (16L, "assistant", "Your second message was: how are you?", false),
            ],
            a);
        Assert.Equal([(2L, "user", "Tell me a long story.", false), (7L, "assistant", "Partial answer", true)], c);
    }

    [Theory]
    [InlineData(SessionA, 18)]
    [InlineData(SessionB, 9)]
    [InlineData(SessionC, 8)]
    public async Task OldWorkspace_StreamFromZero_ReplaysEveryStoredEventOnceInOrder(string sessionId, long lastSeq)
    {
        var stored = StoredEvents(sessionId);
        Assert.Equal(lastSeq, stored.Count);
        await using var kit = await StartAsync();

        var events = await kit.EventsAsync(sessionId);
        await using var sse = await SseClient.OpenAsync(kit, sessionId, lastEventId: 0);
        for (var i = 0; i < stored.Count; i++)
        {
            await sse.NextAsync($"stored event {i + 1} of {stored.Count}");
        }

        // Every event of the old log (archive and live file), as the release wrote it, by /events and by the stream.
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.True(
                JsonNode.DeepEquals(stored[i], JsonNode.Parse(events[i].GetRawText())),
                $"/events differs from the stored event {i + 1}:\n  stored: {stored[i].ToJsonString()}\n  served: {events[i].GetRawText()}");
        }

        Assert.Equal(events.Select(e => e.GetProperty("seq").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)), sse.Received.Select(e => e.EventId));
        Assert.Equal(events.Select(e => e.GetProperty("type").GetString()), sse.Received.Select(e => e.EventType));
        Assert.Equal(events.Select(e => e.GetRawText()), sse.Received.Select(e => e.Data));
    }

    [Fact]
    public async Task OldWorkspace_PendingApproval_WhenAllowed_RunsTheToolAndFinishesTheTurn()
    {
        await using var kit = await StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("It printed fixture-approved."));
        var before = await kit.GetSessionAsync(SessionB);
        Assert.Equal(ApprovalCallId, before.PendingApproval?.CallId);
        await using var observer = await SseClient.OpenAsync(kit, SessionB, "?attach=false", lastEventId: 9);

        using var decided = await kit.Client.PostAsync($"api/v1/sessions/{SessionB}/approvals", GatewayKit.Json($$"""{"call_id":"{{ApprovalCallId}}","decision":"allow_once","decided_by":"fixture-test"}"""));

        await Http.ExpectAsync(decided, 200);
        Assert.False((await Http.JsonAsync(decided)).TryGetProperty("pending_approval", out _));
        var finished = await observer.ReadUntilAsync("tool_finished");
        var result = JsonDocument.Parse(finished.Data).RootElement;
        Assert.Equal("ok", result.GetProperty("status").GetString());
        Assert.Equal("fixture-approved\n", result.GetProperty("content").GetString());
        var completed = JsonDocument.Parse((await observer.ReadUntilAsync("turn_completed")).Data).RootElement;
        Assert.Equal("completed", completed.GetProperty("outcome").GetString());
        Assert.Equal("turn_01M8XY4J50BH91D3QZAQVBGG0C", completed.GetProperty("turn_id").GetString());
        await observer.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "active");

        // The model got the old call and its result, and the turn's reply is the session's newest message.
        var request = await kit.Llm.WaitForRequestAsync(1, GatewayKit.Wait);
        var tool = ChatMessages(request).Single(m => m["role"]?.GetValue<string>() == "tool");
        Assert.Equal(ApprovalCallId, tool["tool_call_id"]?.GetValue<string>());
        Assert.Contains("fixture-approved", tool["content"]?.ToJsonString() ?? string.Empty, StringComparison.Ordinal);
        var after = await kit.GetSessionAsync(SessionB);
        Assert.Null(after.PendingApproval);
        Assert.Equal(SessionStatus.Active, after.Status);
        var last = (await MessagesAsync(kit, SessionB))[^1];
        Assert.Equal(("assistant", "It printed fixture-approved.", false), (last.Role, last.Content, last.Interrupted));
        AssertContinuesWithoutAGap(await kit.EventsAsync(SessionB), oldLastSeq: 9, firstNewType: "approval_decided");
    }

    [Fact]
    public async Task OldWorkspace_NewMessageToAnIdleSession_GetsAReplyAndContinuesItsSeq()
    {
        await using var kit = await StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Third answer", ", after the move."));

        using var sent = await kit.Client.PostAsync($"api/v1/sessions/{SessionA}/messages?wait=true", GatewayKit.Json("""{"content":"A third message."}"""));

        await Http.ExpectAsync(sent, 200);
        var turn = await Http.JsonAsync(sent);
        Assert.Equal("active", turn.GetProperty("status").GetString());
        Assert.Equal("completed", turn.GetProperty("outcome").GetString());
        Assert.Equal("Third answer, after the move.", turn.GetProperty("content").GetString());

        // The model saw the conversation the old release stored, then the new message.
        var request = await kit.Llm.WaitForRequestAsync(1, GatewayKit.Wait);
        Assert.Equal(
            [
                ("user", "Hello, assistant."),
                ("assistant", "Hello! I am the fixture assistant."),
                ("user", "How are you?"),
                ("assistant", "Your second message was: how are you?"),
                ("user", "A third message."),
            ],
            ChatMessages(request).Where(m => m["role"]?.GetValue<string>() != "system").Select(m => (m["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())));

        var events = await kit.EventsAsync(SessionA);
        AssertContinuesWithoutAGap(events, oldLastSeq: 18, firstNewType: "user_message");
        Assert.Equal(events[^1].GetProperty("seq").GetInt64(), turn.GetProperty("last_seq").GetInt64());
        var messages = await MessagesAsync(kit, SessionA);
        Assert.Equal(6, messages.Count);
        Assert.Equal((19L, "user", "A third message.", false), messages[4]);
        Assert.Equal("Third answer, after the move.", messages[5].Content);
    }

    [Fact]
    public async Task OldWorkspace_PausedTurn_ResumesWithAFreshLlmCall()
    {
        await using var kit = await StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Once upon a time, ", "after a restart."));
        await using var observer = await SseClient.OpenAsync(kit, SessionC, "?attach=false", lastEventId: 8);

        using var resumed = await kit.Client.PostAsync($"api/v1/sessions/{SessionC}/resume", null);

        await Http.ExpectAsync(resumed, 200);
        Assert.NotEqual("paused", (await Http.JsonAsync(resumed)).GetProperty("status").GetString());
        var started = JsonDocument.Parse((await observer.ReadUntilAsync("turn_started")).Data).RootElement;
        Assert.True(started.GetProperty("resumed").GetBoolean());
        Assert.Equal("turn_01M8XY4J8N1XGS8KBXBWM9TQMD", started.GetProperty("turn_id").GetString());
        var completed = JsonDocument.Parse((await observer.ReadUntilAsync("turn_completed")).Data).RootElement;
        Assert.Equal("completed", completed.GetProperty("outcome").GetString());
        await observer.ReadUntilAsync("status_changed", e => e.GetProperty("to").GetString() == "active");

        // The interrupted partial text is history for people, never context for the model.
        var request = await kit.Llm.WaitForRequestAsync(1, GatewayKit.Wait);
        Assert.Equal(
            [("user", "Tell me a long story.")],
            ChatMessages(request).Where(m => m["role"]?.GetValue<string>() != "system").Select(m => (m["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())));
        Assert.Equal(SessionStatus.Active, (await kit.GetSessionAsync(SessionC)).Status);
        var messages = await MessagesAsync(kit, SessionC);
        Assert.Equal(3, messages.Count);
        Assert.Equal(("assistant", "Once upon a time, after a restart.", false), (messages[2].Role, messages[2].Content, messages[2].Interrupted));
        AssertContinuesWithoutAGap(await kit.EventsAsync(SessionC), oldLastSeq: 8, firstNewType: "status_changed");
    }

    // ---------------------------------------------------------------- helpers

    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Duragent.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "fixtures", "workspace-release1");
            }
        }

        throw new InvalidOperationException($"Duragent.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>A server on a copy of the fixture whose agents call this kit's fake LLM (the stored base_url is stale).</summary>
    private static Task<GatewayKit> StartAsync() => GatewayKit.StartOnCopyAsync(FixtureDirectory(), (root, llm) =>
    {
        foreach (var agent in Directory.EnumerateFiles(Path.Combine(root, ".duragent", "agents"), "agent.yaml", SearchOption.AllDirectories))
        {
            File.WriteAllText(agent, BaseUrlLine().Replace(File.ReadAllText(agent), "base_url: " + llm.OpenAiBaseUrl));
        }
    });

    [GeneratedRegex(@"base_url: \S+")]
    private static partial Regex BaseUrlLine();

    /// <summary>The session's events as the old release stored them (archive, then live file), without the file's batch markers.</summary>
    private static List<JsonNode> StoredEvents(string sessionId)
    {
        var dir = Path.Combine(FixtureDirectory(), ".duragent", "sessions", sessionId);
        var events = new List<JsonNode>();
        foreach (var file in new[] { "events.archive.jsonl", "events.jsonl" })
        {
            foreach (var line in File.ReadLines(Path.Combine(dir, file)).Where(l => l.Length > 0))
            {
                var node = JsonNode.Parse(line)!.AsObject();
                if (node.ContainsKey("compacted_through"))
                {
                    continue;
                }

                node.Remove("batch");
                events.Add(node);
            }
        }

        return events;
    }

    private static async Task<List<(long Seq, string Role, string Content, bool Interrupted)>> MessagesAsync(GatewayKit kit, string sessionId)
    {
        using var response = await kit.Client.GetAsync($"api/v1/sessions/{sessionId}/messages?limit=500");
        await Http.ExpectAsync(response, 200);
        var page = await Http.JsonAsync(response);
        Assert.False(page.TryGetProperty("has_more", out var more) && more.GetBoolean());
        return [.. page.GetProperty("messages").EnumerateArray().Select(m => (
            m.GetProperty("seq").GetInt64(),
            m.GetProperty("role").GetString()!,
            m.GetProperty("content").GetString()!,
            m.TryGetProperty("interrupted", out var cut) && cut.GetBoolean()))];
    }

    /// <summary>The chat messages of an OpenAI-format request.</summary>
    private static List<JsonObject> ChatMessages(FakeRequest request) =>
        [.. request.Body!["messages"]!.AsArray().Select(m => m!.AsObject())];

    /// <summary>The old events are unchanged and the new ones follow them: seq 1, 2, … without a gap or a repeat.</summary>
    private static void AssertContinuesWithoutAGap(List<JsonElement> events, long oldLastSeq, string firstNewType)
    {
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.True(events.Count > oldLastSeq, $"no event after seq {oldLastSeq}");
        Assert.Equal(firstNewType, events[(int)oldLastSeq].GetProperty("type").GetString());
        Assert.Equal("turn_completed", events.Last(e => e.GetProperty("type").GetString() != "status_changed").GetProperty("type").GetString());
    }
}
