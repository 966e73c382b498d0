using System.Diagnostics;
using System.Globalization;
using System.Text;
using Duragent.Bench.Processes;
using Duragent.Configuration;
using Duragent.Hosting;
using Orleans.Runtime;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Storage.File;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Duragent.Bench;

/// <summary>
/// Resuming a long session after a restart: a workspace holding one session with N events (written straight through
/// the file storage, the events and the <c>state.yaml</c> snapshot exactly as the session grain records them), then,
/// in each round, a freshly built and started silo (the project's hosting, <c>AddDuragentNode</c>) on it, timed to the
/// session's first <c>GetInfoAsync</c> answer (activation: snapshot + log tail) and to its first page of messages (the
/// lazy rebuild of the conversation from the whole log). The baselines, measured in the same rounds with a fresh
/// storage provider each: reading the snapshot alone, and reading the raw log from seq 1.
/// </summary>
public sealed class ResumeBenchmark : IBenchmark
{
    /// <summary>Issue 7.5: resuming a session with 100,000 events takes at most 100 ms.</summary>
    public const double GoalMilliseconds = 100;

    /// <summary>Events appended per call while the workspace is generated: 500.</summary>
    public const int GenerationBatch = 500;

    /// <summary>The default sizes: 1,000, 10,000 and 100,000 events.</summary>
    public const string DefaultSizes = "1000,10000,100000";

    /// <summary>The default context window the tail estimate is sized for: 128,000 tokens.</summary>
    public const int DefaultContextTokens = 128_000;

    private const int PageSize = 50;
    private const string SessionKey = "resume-bench";

    public string Name => "resume";

    public string Description =>
        "a session with N events on a freshly started silo: activation (first GetInfo) and the lazy history rebuild "
        + "(first page of messages), vs reading state.yaml and the raw log. Options: --events 1000,10000,100000 "
        + "--runs 5 --context-tokens 128000 --dir D --keep";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var sizes = (options.Get("events") ?? DefaultSizes)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture))
            .ToList();
        var runs = options.GetInt("runs", 5);
        var contextTokens = options.GetInt("context-tokens", DefaultContextTokens);
        if (sizes.Count == 0 || sizes.Any(n => n < 50) || runs < 1 || contextTokens < 1)
        {
            Console.Error.WriteLine("--events: sizes of at least 50; --runs and --context-tokens: at least 1");
            return 2;
        }

        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-resume-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            Console.WriteLine($"directory: {root}");
            Console.WriteLine($"each size: 1 untimed round, then {runs} rounds; in each, a new silo is built and started on the workspace "
                + "(activation cold, code jitted), then the baselines with a fresh storage provider each; warm page cache; medians (min–max)");

            // Largest first: its rounds jit (and tier up) the code, so the smaller sizes are not measured on cold code, and
            // the first silo of the process, reported apart, resumes the largest session.
            var results = new List<SizeResult>();
            foreach (var events in sizes.Distinct().OrderDescending())
            {
                var session = await GenerateAsync(Path.Combine(root, $"events-{events}"), events, contextTokens);
                results.Add(await MeasureAsync(session, runs, firstInProcess: results.Count == 0));
            }

            PrintSummary(results);
            Console.WriteLine();
            Console.WriteLine($"load average at the end: {LoadAverage()}");
            return 0;
        }
        finally
        {
            if (!options.Has("keep"))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    // ---------------------------------------------------------------- the workspace

    // One session of `events` events: session_started, then turns of user_message, turn_started, status_changed,
    // llm_call_started, assistant_message, turn_completed, status_changed (as SessionGrain records an exchange without
    // tools); the first (events - 1) % 7 turns carry one assistant_delta each so that the count is exact. The snapshot
    // is the fold of every event, written through the file grain storage as the grain writes it when a turn ends.
    private static async Task<GeneratedSession> GenerateAsync(string directory, int events, int contextTokens)
    {
        var watch = Stopwatch.StartNew();
        var bench = BenchWorkspace.Create(directory, "http://127.0.0.1:9/v1");
        var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(bench.ConfigFile).Config);
        var id = GrainId.Create("session", SessionKey);
        var state = new SessionState { SessionId = SessionKey };
        var messages = new List<(long Seq, int Chars)>();
        var random = new Random(events);
        var clock = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var turns = (events - 1) / 7;
        var withDelta = (events - 1) % 7;

        await using (var provider = new FileStorageProvider(StorageOptions(workspace)))
        {
            var batch = new List<EventToAppend>(GenerationBatch);
            long next = 1;
            long seq = 0;
            async Task AddAsync(SessionEvent sessionEvent)
            {
                seq++;
                var ts = clock.AddSeconds(seq);
                var type = SessionEventTypes.NameOf(sessionEvent);
                var payload = SessionJson.SerializePayload(sessionEvent);
                batch.Add(new EventToAppend(type, ts, payload));
                SessionProjection.Apply(state, new SessionEventEnvelope(seq, ts, type, sessionEvent, payload));
                if (batch.Count == GenerationBatch)
                {
                    next = await provider.EventLog.AppendAsync(id, next, batch);
                    batch.Clear();
                }
            }

            await AddAsync(new SessionStarted(BenchWorkspace.AgentName, OnDisconnect.Continue, "http"));
            for (var t = 0; t < turns; t++)
            {
                var turnId = Ulid.NewId("turn");
                var question = Text(random, 200);
                await AddAsync(new UserMessage(Ulid.NewId("msg"), question, Source: "http"));
                messages.Add((seq, question.Length));
                await AddAsync(new TurnStarted(turnId, seq));
                await AddAsync(new StatusChanged(SessionStatus.Active, SessionStatus.Running, "new message"));
                await AddAsync(new LlmCallStarted(turnId, 1, "openai-compatible", "fake-model"));
                var answer = Text(random, 300);
                if (t < withDelta)
                {
                    await AddAsync(new AssistantDelta(turnId, 1, answer[..40]));
                }

                var messageId = Ulid.NewId("msg");
                var usage = new TokenUsage(1_000 + (t % 500), answer.Length / 4);
                await AddAsync(new AssistantMessage(messageId, turnId, 1, answer, null, usage, "stop"));
                messages.Add((seq, answer.Length));
                await AddAsync(new TurnCompleted(turnId, TurnOutcome.Completed, messageId, null, usage));
                await AddAsync(new StatusChanged(SessionStatus.Running, SessionStatus.Active, "turn completed"));
            }

            if (batch.Count > 0)
            {
                next = await provider.EventLog.AppendAsync(id, next, batch);
            }

            Check(next == events + 1 && state.LastSeq == events, $"generated {next - 1} events, expected {events}");
            await provider.GrainStorage.WriteStateAsync("state", id, new GrainState<SessionState> { State = state });
        }

        // The events holding the newest `contextTokens` of conversation (4 characters a token): what a rebuild limited
        // to the context window would read. It starts at a user message, a turn boundary.
        long tokens = 0;
        var tailIndex = messages.Count;
        while (tailIndex > 0 && tokens < contextTokens)
        {
            tailIndex--;
            tokens += messages[tailIndex].Chars / 4;
        }

        // Messages alternate user, assistant: round down to the turn's user message.
        var tailFrom = messages.Count == 0 ? 1 : messages[tailIndex - (tailIndex % 2)].Seq;

        var sessionDirectory = Path.Combine(workspace.SessionsDirectory, SessionKey);
        var generated = new GeneratedSession(
            workspace,
            events,
            state.MessageCount,
            tailFrom,
            contextTokens,
            new FileInfo(Path.Combine(sessionDirectory, "events.jsonl")).Length,
            new FileInfo(Path.Combine(sessionDirectory, "state.yaml")).Length);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{events:N0} events ({state.MessageCount:N0} messages, {generated.LogBytes / 1048576.0:0.0} MiB log, state.yaml {generated.SnapshotBytes:N0} bytes), "
            + $"generated in {watch.Elapsed.TotalSeconds:0.0} s; the newest {contextTokens:N0} tokens of conversation are the last {events - tailFrom + 1:N0} events"));
        return generated;
    }

    private static FileStorageOptions StorageOptions(DuragentWorkspace workspace)
    {
        // The layout AddDuragentNode gives the silo: sessions under the workspace's sessions folder.
        var options = new FileStorageOptions { RootDirectory = workspace.Directory };
        options.TypeFolders["session"] = Path.GetRelativePath(workspace.Directory, workspace.SessionsDirectory).Replace(Path.DirectorySeparatorChar, '/');
        return options;
    }

    private static readonly string[] Words =
    [
        "the", "session", "agent", "runtime", "durable", "event", "log", "snapshot", "please", "check", "whether", "build",
        "deploy", "server", "config", "file", "error", "because", "with", "about", "result", "could", "would", "tool",
        "answer", "question", "change", "review", "branch", "commit", "latency", "memory", "disk", "restart", "and", "of",
    ];

    // About `length` characters (±20%) of words.
    private static string Text(Random random, int length)
    {
        var target = length + random.Next(-length / 5, (length / 5) + 1);
        var text = new StringBuilder(target + 16);
        while (text.Length < target)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(text.Length % 9 == 0 ? ". " : " ");
        }

        return text.ToString().TrimEnd();
    }

    // ---------------------------------------------------------------- measuring

    private static async Task<SizeResult> MeasureAsync(GeneratedSession session, int runs, bool firstInProcess)
    {
        var result = new SizeResult(session);
        var logFile = Path.Combine(session.Workspace.SessionsDirectory, SessionKey, "events.jsonl");
        for (var round = 0; round <= runs; round++)
        {
            var timed = round > 0;
            var grain = await ResumeOnFreshSiloAsync(session);
            if (round == 0 && firstInProcess)
            {
                result.FirstInProcess = grain;
            }

            var snapshot = await TimeAsync(session, ReadSnapshotAsync);
            var open = await TimeAsync(session, OpenLogAsync);
            var raw = await TimeAsync(session, (provider, s) => ReadLogAsync(provider, s, 1, LogWork.Read));
            var parse = await TimeAsync(session, (provider, s) => ReadLogAsync(provider, s, 1, LogWork.Parse));
            var fold = await TimeAsync(session, (provider, s) => ReadLogAsync(provider, s, 1, LogWork.Fold));
            var tail = await TimeAsync(session, (provider, s) => ReadLogAsync(provider, s, s.TailFromSeq, LogWork.Fold));
            Check(new FileInfo(logFile).Length == session.LogBytes, "the session's log changed during the benchmark");
            if (timed)
            {
                result.HostStart.Add(grain.HostStart);
                result.Activation.Add(grain.Activation);
                result.History.Add(grain.History);
                result.SecondPage.Add(grain.SecondPage);
                result.Snapshot.Add(snapshot);
                result.OpenLog.Add(open);
                result.RawLog.Add(raw);
                result.ParseLog.Add(parse);
                result.FoldLog.Add(fold);
                result.FoldTail.Add(tail);
            }
        }

        Print(result);
        return result;
    }

    // A new host with the project's hosting on the workspace, started (reminders loaded), then the session's first
    // GetInfoAsync (its activation) and its first page of messages (the rebuild of the conversation).
    private static async Task<GrainRun> ResumeOnFreshSiloAsync(GeneratedSession session)
    {
        Settle();
        var watch = Stopwatch.StartNew();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddDuragentNode(session.Workspace);
        using var host = builder.Build();
        await host.StartAsync();
        var hostStart = watch.Elapsed.TotalMilliseconds;
        try
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(SessionKey);
            watch.Restart();
            var info = await grain.GetInfoAsync();
            var activation = watch.Elapsed.TotalMilliseconds;
            Check(info is { Status: SessionStatus.Active } && info.LastSeq == session.Events && info.MessageCount == session.Messages,
                $"the session loaded as {(info is null ? "missing" : $"{info.Status} at event {info.LastSeq} with {info.MessageCount} messages")}, expected active at {session.Events} with {session.Messages}");

            watch.Restart();
            var page = await grain.GetMessagesAsync(new MessageQuery(Limit: PageSize, NewestFirst: true));
            var history = watch.Elapsed.TotalMilliseconds;
            var last = session.Events - 2; // the last assistant_message, before turn_completed and status_changed
            Check(page.Messages.Count == Math.Min(PageSize, session.Messages) && page.Messages[0].Seq == last && page.Messages[0].Role == "assistant",
                $"the first page has {page.Messages.Count} messages, the newest at {(page.Messages.Count > 0 ? page.Messages[0].Seq : 0)}; expected the assistant message at {last}");

            watch.Restart();
            await grain.GetMessagesAsync(new MessageQuery(Limit: PageSize, NewestFirst: true));
            var secondPage = watch.Elapsed.TotalMilliseconds;
            return new GrainRun(hostStart, activation, history, secondPage);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task ReadSnapshotAsync(FileStorageProvider provider, GeneratedSession session)
    {
        var state = new GrainState<SessionState>();
        await provider.GrainStorage.ReadStateAsync("state", session.Id, state);
        Check(state is { RecordExists: true, State.LastSeq: var seq } && seq == session.Events, "state.yaml did not read back");
    }

    private static async Task OpenLogAsync(FileStorageProvider provider, GeneratedSession session)
    {
        var info = await provider.EventLog.GetInfoAsync(session.Id);
        Check(info.NextSeq == session.Events + 1, "the log's tail did not read back");
    }

    // Reads the log from `fromSeq`; parses every line into its event; folds them as EnsureHistoryAsync does.
    private static async Task ReadLogAsync(FileStorageProvider provider, GeneratedSession session, long fromSeq, LogWork work)
    {
        await provider.EventLog.GetInfoAsync(session.Id);
        var scratch = new SessionState { SessionId = SessionKey };
        long count = 0;
        await foreach (var stored in provider.EventLog.ReadAsync(session.Id, fromSeq))
        {
            count++;
            if (work != LogWork.Read)
            {
                var envelope = SessionJson.DeserializeEnvelope(stored.Json);
                if (work == LogWork.Fold)
                {
                    SessionProjection.Apply(scratch, envelope);
                }
            }
        }

        Check(count == session.Events - fromSeq + 1, $"read {count} events from {fromSeq}");
        Check(work != LogWork.Fold || scratch.LastSeq == session.Events, "the fold did not reach the end of the log");
    }

    // Times `operation` on a storage provider opened (untimed) for it alone: nothing of the session is cached yet.
    private static async Task<double> TimeAsync(GeneratedSession session, Func<FileStorageProvider, GeneratedSession, Task> operation)
    {
        await using var provider = new FileStorageProvider(StorageOptions(session.Workspace));
        Settle();
        var watch = Stopwatch.StartNew();
        await operation(provider, session);
        return watch.Elapsed.TotalMilliseconds;
    }

    // The same starting point for every timed part: no garbage of the previous part left to collect.
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark self-check failed: " + what);
        }
    }

    // ---------------------------------------------------------------- printing

    private static void Print(SizeResult r)
    {
        var s = r.Session;
        if (r.FirstInProcess is { } first)
        {
            Line("first silo of this process (code not jitted yet, untimed round)", $"host start {Stats.F(first.HostStart)} ms, activation {Stats.F(first.Activation)} ms, "
                + $"first page {Stats.F(first.History)} ms");
        }

        var activation = Stats.Median(r.Activation);
        var history = Stats.Median(r.History);
        Line("host build + start (reminders loaded), not counted below", Stats.Spread(r.HostStart) + " ms");
        Line("activation: first GetInfoAsync", Stats.Spread(r.Activation) + " ms",
            $"{Stats.F(activation / Stats.Median(r.Snapshot))} × the snapshot read; goal ≤ {GoalMilliseconds:0} ms {(activation <= GoalMilliseconds ? "✓" : "✗")}");
        Line($"history: first GetMessagesAsync({PageSize}, newest first)", Stats.Spread(r.History) + " ms",
            $"{Stats.F(history / Stats.Median(r.RawLog))} × the raw log read");
        Line("  activation + first page", Stats.F(activation + history) + " ms",
            $"goal ≤ {GoalMilliseconds:0} ms {(activation + history <= GoalMilliseconds ? "✓" : "✗")}");
        Line("  second GetMessagesAsync (history loaded)", Stats.Spread(r.SecondPage, "0.00") + " ms");
        Line("baseline: read state.yaml alone", Stats.Spread(r.Snapshot, "0.00") + " ms");
        Line("baseline: open the log (tail scan)", Stats.Spread(r.OpenLog, "0.00") + " ms");
        Line("baseline: read the raw log from seq 1 (ReadAsync)", Stats.Spread(r.RawLog) + " ms");
        Line("read + parse every event (SessionJson.DeserializeEnvelope)", Stats.Spread(r.ParseLog) + " ms",
            $"{Stats.F(Stats.Median(r.ParseLog) / Stats.Median(r.RawLog))} × the raw read");
        Line("read + parse + fold the whole log (the rebuild, no grain)", Stats.Spread(r.FoldLog) + " ms",
            $"{Stats.F(Stats.Median(r.FoldLog) / Stats.Median(r.RawLog))} × the raw read");
        Line($"read + parse + fold the last {s.Events - s.TailFromSeq + 1:N0} events ({s.ContextTokens:N0} tokens)", Stats.Spread(r.FoldTail) + " ms",
            $"{Stats.F(Stats.Median(r.FoldTail) / Stats.Median(r.FoldLog), "0.00")} × the whole fold");
    }

    private static void PrintSummary(List<SizeResult> results)
    {
        Console.WriteLine();
        Console.WriteLine("summary (medians, ms):");
        Console.WriteLine($"  {"events",9} {"log MiB",8} {"activation",11} {"first page",11} {"snapshot",9} {"raw log",9} {"parse log",10} {"fold log",9} {"fold tail",10}");
        foreach (var r in results.OrderBy(r => r.Session.Events))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Session.Events,9:N0} {r.Session.LogBytes / 1048576.0,8:0.0} {Stats.Median(r.Activation),11:0.0} {Stats.Median(r.History),11:0.0} "
                + $"{Stats.Median(r.Snapshot),9:0.00} {Stats.Median(r.RawLog),9:0.0} {Stats.Median(r.ParseLog),10:0.0} {Stats.Median(r.FoldLog),9:0.0} {Stats.Median(r.FoldTail),10:0.0}"));
        }
    }

    private static void Line(string what, string figure, string? note = null) =>
        Console.WriteLine(note is null ? $"  {what,-66} {figure}" : $"  {what,-66} {figure,-26} {note}");

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private sealed record GeneratedSession(DuragentWorkspace Workspace, int Events, int Messages, long TailFromSeq, int ContextTokens, long LogBytes, long SnapshotBytes)
    {
        public GrainId Id { get; } = GrainId.Create("session", SessionKey);
    }

    private enum LogWork
    {
        Read,
        Parse,
        Fold,
    }

    private sealed record GrainRun(double HostStart, double Activation, double History, double SecondPage);

    private sealed class SizeResult(GeneratedSession session)
    {
        public GeneratedSession Session { get; } = session;

        public GrainRun? FirstInProcess { get; set; }

        public List<double> HostStart { get; } = [];

        public List<double> Activation { get; } = [];

        public List<double> History { get; } = [];

        public List<double> SecondPage { get; } = [];

        public List<double> Snapshot { get; } = [];

        public List<double> OpenLog { get; } = [];

        public List<double> RawLog { get; } = [];

        public List<double> ParseLog { get; } = [];

        public List<double> FoldLog { get; } = [];

        public List<double> FoldTail { get; } = [];
    }
}
