using System.Text;
using System.Text.Json;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionJsonTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 21, 10, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Envelope_PutsSeqTsTypeFirst_ThenSnakeCaseFields()
    {
        var json = Encoding.UTF8.GetString(SessionJson.SerializeEnvelope(7, Ts, new UserMessage("msg_1", "hi", SenderName: "Ann")));

        Assert.Equal("""{"seq":7,"ts":"2026-11-21T10:00:00.123Z","type":"user_message","message_id":"msg_1","content":"hi","sender_name":"Ann"}""", json);
    }

    [Fact]
    public void Enums_AreSnakeCaseStrings()
    {
        var json = Encoding.UTF8.GetString(SessionJson.SerializePayload(new StatusChanged(SessionStatus.Running, SessionStatus.AwaitingApproval)));

        Assert.Equal("""{"from":"running","to":"awaiting_approval"}""", json);
    }

    [Fact]
    public void EveryKnownEvent_RoundTripsThroughTheEnvelope()
    {
        SessionEvent[] events =
        [
            new SessionStarted("assistant", OnDisconnect.Continue, "api"),
            new UserMessage("msg_1", "hello"),
            new TurnStarted("turn_1", 2, Resumed: true),
            new LlmCallStarted("turn_1", 1, "openai", "gpt-4o", 2),
            new AssistantDelta("turn_1", 1, "Hel"),
            new AssistantMessage("msg_2", "turn_1", 1, "Hello", [new ToolCallRecord("call_1", "bash", """{"command":"ls"}""")], new TokenUsage(10, 5), "tool_calls"),
            new LlmCallFailed("turn_1", 1, "rate_limited", "429", true),
            new ToolCallRequested("turn_1", "call_1", "bash", """{"command":"ls"}""", false, "allow"),
            new ApprovalRequired("turn_1", "call_1", "bash", "ls", Ts),
            new ApprovalDecided("call_1", ApprovalChoice.AllowAlways, "ann"),
            new ToolStarted("turn_1", "call_1", "bash"),
            new ToolFinished("turn_1", "call_1", "bash", ToolOutcome.Timeout, "out", 124, 1500, true),
            new ToolInterrupted("turn_1", "call_1", "bash", "restart", "unknown"),
            new TurnCompleted("turn_1", TurnOutcome.MaxIterations, "msg_2", null, new TokenUsage(1, 2)),
            new StatusChanged(SessionStatus.Paused, SessionStatus.Running, "resume"),
            new SessionError("llm_error", "boom", "turn_1"),
        ];

        Assert.Equal(SessionEventTypes.All.Count(), events.Length);
        foreach (var sessionEvent in events)
        {
            var line = SessionJson.SerializeEnvelope(42, Ts, sessionEvent);
            var envelope = SessionJson.DeserializeEnvelope(line);

            Assert.Equal(42, envelope.Seq);
            Assert.Equal(Ts, envelope.Timestamp);
            Assert.Equal(SessionEventTypes.NameOf(sessionEvent), envelope.Type);
            Assert.Equal(
                Encoding.UTF8.GetString(SessionJson.SerializePayload(sessionEvent)),
                Encoding.UTF8.GetString(SessionJson.SerializePayload(envelope.Event)));
        }
    }

    [Fact]
    public void UnknownType_IsKeptAsUnknownEvent()
    {
        var envelope = SessionJson.DeserializeEnvelope("""{"seq":3,"ts":"2026-11-21T10:00:00.000Z","type":"from_the_future","x":1}"""u8.ToArray());

        var unknown = Assert.IsType<UnknownSessionEvent>(envelope.Event);
        Assert.Equal("from_the_future", unknown.TypeName);
    }

    [Fact]
    public void MissingEnvelopeField_Throws()
    {
        Assert.Throws<JsonException>(() => SessionJson.DeserializeEnvelope("""{"seq":3,"type":"user_message"}"""u8.ToArray()));
    }

    [Fact]
    public void Dto_UsesSnakeCase()
    {
        var info = new SessionInfo("session_1", "a", SessionStatus.AwaitingApproval, Ts, Ts, OnDisconnect.Pause, 9, 2);

        var json = JsonSerializer.Serialize(info, SessionJson.Options);

        Assert.Contains("\"session_id\":\"session_1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"awaiting_approval\"", json, StringComparison.Ordinal);
        Assert.Contains("\"on_disconnect\":\"pause\"", json, StringComparison.Ordinal);
        Assert.Equal(info, JsonSerializer.Deserialize<SessionInfo>(json, SessionJson.Options));
    }
}
