using System.Collections;
using System.Reflection;
using System.Text;
using Duragent.Agents;
using Duragent.Node;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Duragent.Grains.Tests.Serialization;

/// <summary>
/// Every type that crosses an <see cref="ISessionGrain"/> or <see cref="IAgentGrain"/> boundary survives Orleans'
/// serializer (silo to client) and deep copier (grain to grain in one silo) with every field intact: optional fields
/// set and null, nested lists, derived types, and the exceptions grain methods throw.
/// </summary>
public sealed class GrainBoundarySerializationTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void SessionRequests_SurviveSerializerAndCopier()
    {
        AssertCrosses(new CreateSession("helper", OnDisconnect.Continue, "gateway", "telegram", "chat-42"));
        AssertCrosses(new CreateSession("helper"));
        AssertCrosses(new SendMessage("hello", "u1", "Ada", "cli", "client-7"));
        AssertCrosses(new SendMessage("hello"));
        AssertCrosses(new DecideApproval("call_1", ApprovalChoice.AllowAlways, "ada"));
        AssertCrosses(new DecideApproval("call_1", ApprovalChoice.Deny));
        AssertCrosses(new MessageQuery(20, BeforeSeq: 90, AfterSeq: 3, NewestFirst: true, IncludeTools: true));
        AssertCrosses(new MessageQuery());
        AssertCrosses(new StreamOptions(12, Attach: true, Client: "sse 127.0.0.1:5123"));
        AssertCrosses(new StreamOptions());
    }

    [Fact]
    public void SessionReplies_SurviveSerializerAndCopier()
    {
        var approval = new PendingApprovalInfo("turn_1", "call_1", "bash", "rm -rf build", "{\"command\":\"rm -rf build\"}", T0, T0.AddMinutes(30));
        AssertCrosses(new MessageAccepted("msg_1", 12, "turn_1", StartedTurn: true, Duplicate: true));
        AssertCrosses(new MessageAccepted("msg_1", 12, null, StartedTurn: false));
        AssertCrosses(approval);
        AssertCrosses(approval with { ExpiresAt = null });
        AssertCrosses(new SessionInfo(
            "session_01", "helper", SessionStatus.AwaitingApproval, T0, T0.AddSeconds(5), OnDisconnect.Continue, 40, 7,
            "turn_1", approval, "llm_unreachable", AttachedClients: 2, Source: "api"));
        AssertCrosses(new SessionInfo("session_02", "helper", SessionStatus.Active, T0, T0, OnDisconnect.Pause, 1, 0));
        AssertCrosses(new TurnResult("turn_1", SessionStatus.Active, TurnOutcome.MaxIterations, "done", "msg_2", approval, "limit", 55));
        AssertCrosses(new TurnResult("turn_1", SessionStatus.Paused, null, null, null, null, null, 55));
    }

    [Fact]
    public void Pages_KeepTheirListsAndNestedRecords()
    {
        var calls = new List<ToolCallRecord> { new("call_1", "bash", "{\"command\":\"ls\"}"), new("call_2", "web", "{}") };
        AssertCrosses(new MessagePage(
            new List<SessionMessage>
            {
                new(3, "user", "list files", T0, "msg_1"),
                new(4, "assistant", string.Empty, T0.AddSeconds(1), "msg_2", calls),
                new(5, "tool", "a.txt", T0.AddSeconds(2), ToolCallId: "call_1", ToolName: "bash", Interrupted: true),
            },
            NextCursor: 3,
            HasMore: true));
        AssertCrosses(new MessagePage(Array.Empty<SessionMessage>(), null, false));

        AssertCrosses(new StoredEventsPage(
            new[]
            {
                new StoredEvent(1, T0, SessionEventTypes.SessionStarted, Encoding.UTF8.GetBytes("{\"seq\":1,\"type\":\"session_started\",\"agent\":\"helper\"}")),
                new StoredEvent(2, T0.AddSeconds(1), SessionEventTypes.UserMessage, ReadOnlyMemory<byte>.Empty),
            },
            NextAfter: 2,
            HasMore: false));
    }

    [Fact]
    public void InterfaceTypedLists_AcceptCompilerSynthesizedCollections()
    {
        // A collection expression typed IReadOnlyList<T> is a compiler-private type; Orleans' interface-collection
        // codecs carry it as a List<T>. (A field typed object, like AgentDefinition.Hooks, has no such fallback.)
        IReadOnlyList<ToolCallRecord> calls = [new("call_1", "bash", "{}"), new("call_2", "web", "{}")];
        var message = new SessionMessage(4, "assistant", string.Empty, T0, ToolCalls: calls);

        foreach (var crossed in new[] { RoundTrip(message), Copy(message), (SessionMessage)RoundTrip<object>(message) })
        {
            Assert.Equal(calls, crossed.ToolCalls);
        }
    }

    [Fact]
    public void EventEnvelope_CrossesAsJsonAndParsesAgain()
    {
        var json = SessionJson.SerializeEnvelope(9, T0, new UserMessage("msg_1", "hello", SenderName: "Ada"));
        var envelope = SessionJson.DeserializeEnvelope(json);

        foreach (var crossed in new[] { RoundTrip(envelope), Copy(envelope) })
        {
            AssertDeepEqual(envelope, crossed, nameof(SessionEventEnvelope));
            Assert.Equal(new UserMessage("msg_1", "hello", SenderName: "Ada"), crossed.Event);
        }
    }

    [Fact]
    public void AgentDefinition_KeepsEveryBlock()
    {
        var hooks = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["on_turn_end"] = new object?[] { "notify", null, new Dictionary<string, object?> { ["url"] = "http://x" }.AsReadOnly() },
            ["enabled"] = "true",
        }.AsReadOnly();
        var definition = new AgentDefinition
        {
            Metadata = new AgentMetadata
            {
                Name = "helper",
                Description = "Helps.",
                Version = "1.2",
                Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["team"] = "infra", ["tier"] = "1" }.AsReadOnly(),
            },
            HomeDirectory = "/agents/helper",
            SourceFile = "/agents/helper/agent.yaml",
            Model = new ModelSpec
            {
                Provider = ModelProvider.OpenAICompatible,
                Name = "qwen",
                Temperature = 0.2,
                MaxInputTokens = 32000,
                MaxOutputTokens = 2048,
                BaseUrl = "http://localhost:8000/v1",
                ApiKeyEnv = "MY_KEY",
            },
            Prompts = new AgentPrompts
            {
                Soul = new PromptFile("/agents/helper/SOUL.md", "You are kind."),
                SystemPrompt = new PromptFile("/agents/helper/SYSTEM.md", "Today is {{date}}."),
                Instructions = null,
            },
            SkillsDirectory = "/agents/helper/skills",
            Session = new AgentSessionSpec
            {
                OnDisconnect = OnDisconnect.Continue,
                MaxToolIterations = 4,
                LlmTimeoutSeconds = 60,
                TtlHours = 48,
                Compaction = CompactionMode.Archive,
                Context = new ContextSpec
                {
                    MaxHistoryTokens = 1000,
                    MaxToolResultTokens = 200,
                    ToolResultTruncation = ToolResultTruncation.Both,
                    ToolResultKeepFirst = 1,
                    ToolResultKeepLast = 3,
                },
            },
            Tools = new ToolSpec[]
            {
                new BuiltinToolSpec { Name = BuiltinToolNames.Bash },
                new CliToolSpec { Name = "deploy", Command = "./deploy.sh", Description = "Deploys.", ReadmePath = "/agents/helper/tools/README.md", TimeoutSeconds = 30, Idempotent = true },
            },
            Memory = new MemorySpec { Backend = "filesystem" },
            Hooks = hooks,
            Access = new object?[] { "ada", "bob" },
            Skills = new List<SkillSpec>
            {
                new SkillSpec
                {
                    Name = "triage",
                    Description = "Sorts bugs.",
                    AllowedTools = new List<string> { "bash", "memory" },
                    Path = "/agents/helper/skills/triage/SKILL.md",
                    Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["owner"] = "qa" }.AsReadOnly(),
                },
                new SkillSpec { Name = "free", Description = "Anything.", Path = "/agents/helper/skills/free/SKILL.md" },
            },
        };

        AssertCrosses(definition);
    }

    [Fact]
    public void MemoryAndPromptViews_SurviveSerializerAndCopier()
    {
        AssertCrosses(new Duragent.Memory.MemorySnippet("memory/daily/2026-12-03.md", 14, 1.25, "## 09:00 UTC\nnote"));
        AssertCrosses(new AgentPromptView(
            "helper",
            true,
            new List<AgentPromptPartView> { new("prime", new List<string> { "(built-in)" }, "## Prime directives"), new("session", new List<string>(), "ctx") },
            "## Prime directives\n\nctx",
            new List<string>(),
            new List<string> { "agents/helper/skills/x/SKILL.md:2:1: name: bad" }));
        AssertCrosses(new AgentPromptView("ghost", false, new List<AgentPromptPartView>(), string.Empty, new List<string>(), new List<string>()));
        AssertExceptionCrosses(new Duragent.Memory.MemoryException("The topic '../x' is a path."));
    }

    [Fact]
    public void AgentDefinition_KeepsZeroesAndNullsThatDifferFromInitializers()
    {
        // Initializers give 10, 300, 40000 … and Pause; the wire must carry the sender's values, not the defaults.
        var definition = new AgentDefinition
        {
            Metadata = new AgentMetadata { Name = "minimal" },
            HomeDirectory = "/agents/minimal",
            SourceFile = "/agents/minimal/agent.yaml",
            Model = new ModelSpec { Provider = ModelProvider.Anthropic, Name = "claude" },
            SkillsDirectory = "/agents/minimal/skills",
            Session = new AgentSessionSpec
            {
                MaxToolIterations = 0,
                LlmTimeoutSeconds = 0,
                Context = new ContextSpec { MaxHistoryTokens = 0, ToolResultKeepFirst = 0, ToolResultKeepLast = 0 },
            },
        };

        AssertCrosses(definition);
        var crossed = RoundTrip(definition);
        Assert.Equal(0, crossed.Session.MaxToolIterations);
        Assert.Equal(0, crossed.Session.Context.MaxHistoryTokens);
        Assert.Null(crossed.Memory);
        Assert.Null(crossed.Hooks);
        Assert.Empty(crossed.Tools);
        Assert.Empty(crossed.Metadata.Labels);
    }

    [Fact]
    public void Enums_KeepEveryValue()
    {
        AssertEveryValue<SessionStatus>();
        AssertEveryValue<OnDisconnect>();
        AssertEveryValue<ApprovalChoice>();
        AssertEveryValue<ToolOutcome>();
        AssertEveryValue<TurnOutcome>();
        AssertEveryValue<ModelProvider>();
        AssertEveryValue<ToolResultTruncation>();
        AssertEveryValue<CompactionMode>();
        AssertEveryValue<StorageFault>();
        AssertEveryValue<SchedulePayload>();
        AssertEveryValue<CatchUpPolicy>();
        AssertEveryValue<BusyPolicy>();
        AssertEveryValue<ScheduleRunStatus>();
    }

    [Fact]
    public void ScheduleRequestsAndReplies_SurviveSerializerAndCopier()
    {
        var full = new ScheduleSpec(
            "helper", "summarise the day", SchedulePayload.Task, null, null, "0 18 * * MON-FRI", "Europe/Paris", T0, "daily-notes",
            CatchUpPolicy.Skip, "30m", 2, BusyPolicy.Skip, 5, "evening summary", "config");
        var minimal = new ScheduleSpec("helper", "ping", At: "2026-12-03T18:00:00Z");
        AssertCrosses(full);
        AssertCrosses(minimal);
        AssertCrosses(new ScheduleSpec("helper", "ping", Every: "90s", Anchor: T0));

        var run = new ScheduleRun("run_1", T0, ScheduleRunStatus.Running, 2, T0.AddSeconds(1), null, "s-1", "attempt 1 failed", Manual: true, NextAttemptAt: T0.AddSeconds(20));
        var skip = new ScheduleRun("skip_1", T0, ScheduleRunStatus.Skipped, FinishedAt: T0.AddHours(1), Detail: "missed", SkippedSlots: 4, LastSlot: T0.AddMinutes(30));
        AssertCrosses(run);
        AssertCrosses(skip);
        AssertCrosses(new ScheduleRun("run_2", T0, ScheduleRunStatus.Ok));
        AssertCrosses(new ScheduleInfo("sched_1", full, "cron", Paused: true, Done: false, T0, T0.AddMinutes(1), null, 1, run));
        AssertCrosses(new ScheduleInfo("sched_2", minimal, "at", false, true, T0, T0, T0.AddHours(1), 0));
        AssertCrosses(new ScheduleRef("sched_1", "helper"));
    }

    [Fact]
    public void ScheduleExceptions_KeepTypeMessageAndFields()
    {
        AssertExceptionCrosses(new ScheduleNotFoundException("sched_01"));
        AssertExceptionCrosses(new ScheduleStateException("at its cap"));
        AssertExceptionCrosses(new ScheduleInvalidException("cron", "'61 * * * *' is not a valid cron expression"));
        var crossed = Assert.IsType<ScheduleInvalidException>(RoundTrip<Exception>(new ScheduleInvalidException("time_zone", "unknown")));
        Assert.Equal("time_zone", crossed.Field);
        Assert.Equal("unknown", crossed.Problem);
        Assert.Equal("invalid_schedule", crossed.Code);
    }

    [Fact]
    public void Exceptions_KeepTypeMessageAndFields()
    {
        var inner = new InvalidOperationException("inner cause");
        AssertExceptionCrosses(new SessionNotFoundException("session_01"));
        AssertExceptionCrosses(new SessionStateException("The session is completed."));
        AssertExceptionCrosses(new AgentNotFoundException("helper", "agent.yaml: line 3: bad provider"));
        AssertExceptionCrosses(new AgentNotFoundException("helper"));
        AssertExceptionCrosses(new SessionRequestException("content is empty"));
        AssertExceptionCrosses(new StorageUnavailableException("disk full", StorageFault.NoSpace, "/data/sessions/s1/events.log", inner));
        AssertExceptionCrosses(new StorageUnavailableException("read-only", StorageFault.ReadOnly, null, null));
        AssertExceptionCrosses(new StorageCorruptedException("not a JSON object", "/data/sessions/s1/events.log", 17, inner));
        AssertExceptionCrosses(new StorageCorruptedException("sequence gap"));
        AssertExceptionCrosses(new NodeStoppingException("The server (pid 7) is already stopping."));
    }

    [Fact]
    public void NodeAndAgentViews_SurviveSerializerAndCopier()
    {
        AssertCrosses(new NodeStatus("0.1.0", 4242, "abc123", "/srv/ws/.duragent", "127.0.0.1:11111@42", "127.0.0.1:30000",
            new List<string> { "http://127.0.0.1:8080" }, T0, Stopping: true, AttachedClients: 3, RunningTurns: 1));
        AssertCrosses(new NodeStatus("0.1.0", 1, "h", "/w", "s", null, new List<string>(), T0, false, 0, 0));
        var detail = new AgentDetail("duragent/v1alpha1", "Agent",
            new AgentMetadataView("helper", "Helps", "1.2", new Dictionary<string, string> { ["team"] = "ops" }),
            new AgentSpecView(
                new AgentModelView("openai", "gpt-5", 0.2, 1000, null, "https://api.example.com/v1"),
                new AgentSessionView(OnDisconnect.Pause, 12, 90),
                new List<AgentToolView> { new("builtin", "bash", false), new("cli", "grep", true) }),
            new List<string> { "agent.yaml:3:1: unknown key" });
        AssertCrosses(detail);
        AssertCrosses(new AgentSummary("helper", "Helps", "1.2", new AgentModelSummary("openai", "gpt-5"), true, new List<string>(), new List<string> { "w" }));
        AssertCrosses(new AgentSummary("broken", null, null, null, false, new List<string> { "agent.yaml:1:1: bad" }, new List<string>()));
        AssertCrosses(new AgentLookup("helper", true, detail, new List<string>()));
        AssertCrosses(new AgentLookup("nobody", false, null, new List<string>()));
        AssertCrosses(new ReloadResult(2, new List<string> { "broken: agent.yaml:1:1: bad" }));
    }

    [Fact]
    public void Exceptions_KeepTheirStackTrace()
    {
        var thrown = Assert.Throws<SessionNotFoundException>(static () => ThrowNotFound("session_01"));

        var crossed = Assert.IsType<SessionNotFoundException>(RoundTrip<Exception>(thrown));

        Assert.Contains(nameof(Exceptions_KeepTheirStackTrace), crossed.StackTrace, StringComparison.Ordinal);
    }

    private T RoundTrip<T>(T value)
    {
        var serializer = _services.GetRequiredService<Serializer>();
        return serializer.Deserialize<T>(serializer.SerializeToArray(value))!;
    }

    private T Copy<T>(T value) => _services.GetRequiredService<DeepCopier>().Copy(value)!;

    private static void ThrowNotFound(string sessionId) => throw new SessionNotFoundException(sessionId);

    private void AssertCrosses<T>(T value)
        where T : notnull
    {
        AssertDeepEqual(value, RoundTrip(value), $"{typeof(T).Name} (serialized)");
        AssertDeepEqual(value, Copy(value), $"{typeof(T).Name} (copied)");

        // Grain calls carry arguments and results as object fields: the runtime type must come back as well.
        AssertDeepEqual(value, RoundTrip<object>(value), $"{typeof(T).Name} (serialized as object)");
    }

    private void AssertEveryValue<TEnum>()
        where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            Assert.Equal(value, RoundTrip(value));
            Assert.Equal(value, RoundTrip<object>(value));
            Assert.Equal(value, Copy(value));
            Assert.Equal((TEnum?)value, RoundTrip<TEnum?>(value));
        }
    }

    private void AssertExceptionCrosses(Exception exception)
    {
        // Orleans carries a failed call's exception in a field typed Exception.
        AssertExceptionEqual(exception, RoundTrip(exception), "serialized");
        AssertExceptionEqual(exception, Copy(exception), "copied");
    }

    private static void AssertExceptionEqual(Exception expected, Exception? actual, string how)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(expected.HResult, actual.HResult);
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.DeclaringType is { } declaring && declaring.Assembly != typeof(Exception).Assembly)
            {
                AssertDeepEqual(property.GetValue(expected), property.GetValue(actual), $"{expected.GetType().Name}.{property.Name} ({how})");
            }
        }

        if (expected.InnerException is null)
        {
            Assert.Null(actual.InnerException);
        }
        else
        {
            AssertExceptionEqual(expected.InnerException, actual.InnerException, how);
        }
    }

    /// <summary>Same runtime types and values all the way down; lists and dictionaries by content.</summary>
    private static void AssertDeepEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        var type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{path}: expected a {type}, got a {actual.GetType()}");
        switch (expected)
        {
            case string or bool or char or int or long or double or decimal or DateTimeOffset or DateTime or TimeSpan or Enum:
                Assert.True(expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
                return;
            case ReadOnlyMemory<byte> bytes:
                Assert.True(bytes.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span), $"{path}: the bytes differ");
                return;
            case IDictionary dictionary:
                var other = (IDictionary)actual;
                Assert.True(dictionary.Count == other.Count, $"{path}: expected {dictionary.Count} entries, got {other.Count}");
                foreach (DictionaryEntry entry in dictionary)
                {
                    Assert.True(other.Contains(entry.Key), $"{path}: key '{entry.Key}' is missing");
                    AssertDeepEqual(entry.Value, other[entry.Key], $"{path}[{entry.Key}]");
                }

                return;
            case IEnumerable sequence:
                var expectedItems = sequence.Cast<object?>().ToList();
                var actualItems = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.True(expectedItems.Count == actualItems.Count, $"{path}: expected {expectedItems.Count} items, got {actualItems.Count}");
                for (var i = 0; i < expectedItems.Count; i++)
                {
                    AssertDeepEqual(expectedItems[i], actualItems[i], $"{path}[{i}]");
                }

                return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                AssertDeepEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            }
        }
    }
}
