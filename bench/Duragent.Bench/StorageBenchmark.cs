using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Duragent.Runtime;
using Duragent.Storage;
using Duragent.Storage.File;

namespace Duragent.Bench;

/// <summary>
/// Durable append throughput of the file event log against the raw write+fsync rate of the same disk, measured in
/// the same run, and the time to reactivate a session with a long log.
/// </summary>
public sealed class StorageBenchmark : IBenchmark
{
    private static readonly byte[] s_rawLine = Encoding.UTF8.GetBytes(
        "{\"seq\":1,\"ts\":\"2026-11-21T10:00:00.000Z\",\"type\":\"user_message\",\"content\":\"hello world\"}\n");

    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"content\":\"hello world\"}");

    public string Name => "storage";

    public string Description =>
        "durable appends/s (1 and N sessions) vs raw write+fsync; reactivation time with a long log. " +
        "Options: --dir D --seconds 2 --runs 5 --sessions 100 --events 100000 --threads 16 --sweep (flush threads and syncfs threshold)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var seconds = options.GetDouble("seconds", 2);
        var runs = options.GetInt("runs", 5);
        var sessions = options.GetInt("sessions", 100);
        var events = options.GetInt("events", 100_000);
        var threads = options.GetInt("threads", FileStorageOptions.DefaultFlushThreads);
        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            Console.WriteLine($"directory: {root}; {runs} runs of {seconds:0.#} s each, medians (min–max)");
            Console.WriteLine();

            // The figures are measured interleaved (raw, 1 session, N sessions per strategy, then again), and each
            // ratio is taken within one round before the median: the disk is shared, and its speed drifts.
            var strategies = new[] { FileSyncStrategy.PerFile, FileSyncStrategy.SyncFsWhenBusy };
            var raw = new List<double>();
            var single = new List<double>();
            var singleVsRaw = new List<double>();
            var many = strategies.ToDictionary(s => s, _ => new List<double>());
            var manyVsSingle = strategies.ToDictionary(s => s, _ => new List<double>());
            var syncsPerAppend = strategies.ToDictionary(s => s, _ => new List<double>());
            for (var run = 0; run < runs; run++)
            {
                raw.Add(RawWriteFsync(root, seconds));
                single.Add(Appends(root, 1, seconds, FileStorageOptions.DefaultSyncStrategy, threads).Rate);
                singleVsRaw.Add(single[^1] / raw[^1]);
                foreach (var strategy in strategies)
                {
                    var result = Appends(root, sessions, seconds, strategy, threads);
                    many[strategy].Add(result.Rate);
                    manyVsSingle[strategy].Add(result.Rate / single[^1]);
                    syncsPerAppend[strategy].Add(result.SyncsPerAppend);
                }
            }

            Print("raw write+fdatasync, 1 file (baseline)", Sample.Of(raw), "/s");
            Print("durable appends, 1 session", Sample.Of(single), "/s", $"{Median(singleVsRaw):0.00} × raw (goal ≥ 0.80)");
            foreach (var strategy in strategies)
            {
                var isDefault = strategy == FileStorageOptions.DefaultSyncStrategy ? ", the default" : "";
                Print($"durable appends, {sessions} sessions, {Label(strategy)}{isDefault}", Sample.Of(many[strategy]), "/s",
                    $"{Median(manyVsSingle[strategy]):0.0} × 1 session (goal ≥ 5×); {Median(syncsPerAppend[strategy]):0.00} syncs per append");
            }

            var singleRate = Median(single);
            if (options.Has("sweep"))
            {
                Sweep(root, seconds, runs, singleRate);
            }

            await ReactivationAsync(root, events, runs);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // The measurements behind the defaults: flush threads for per-file syncing, and the syncfs threshold.
    private static void Sweep(string root, double seconds, int runs, double single)
    {
        Console.WriteLine();
        Console.WriteLine("sweep (appends/s, relative to 1 session):");
        foreach (var sessions in new[] { 10, 100 })
        {
            foreach (var threads in new[] { 4, 8, 16, 32, 64 })
            {
                var rate = Measure(runs, () => Appends(root, sessions, seconds, FileSyncStrategy.PerFile, threads).Rate);
                Print($"  {sessions} sessions, per-file, {threads} flush threads", rate, "/s", $"{rate.Median / single:0.0} ×");
            }

            foreach (var threshold in new[] { 2, 4, 8, 16, 32 })
            {
                var rate = Measure(runs, () => Appends(root, sessions, seconds, FileSyncStrategy.SyncFsWhenBusy, FileStorageOptions.DefaultFlushThreads, threshold).Rate);
                Print($"  {sessions} sessions, syncfs when ≥ {threshold} logs wait", rate, "/s", $"{rate.Median / single:0.0} ×");
            }

            foreach (var threads in new[] { 2, 4, 16, 64 })
            {
                var rate = Measure(runs, () => Appends(root, sessions, seconds, FileSyncStrategy.SyncFsWhenBusy, threads).Rate);
                Print($"  {sessions} sessions, syncfs when busy, {threads} flush threads", rate, "/s", $"{rate.Median / single:0.0} ×");
            }
        }
    }

    private static string Label(FileSyncStrategy strategy) => strategy switch
    {
        FileSyncStrategy.PerFile => "per-file fdatasync",
        _ => "syncfs when busy",
    };

    private static double RawWriteFsync(string root, double seconds)
    {
        var path = Path.Combine(root, "raw-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            long offset = 0, count = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                RandomAccess.Write(handle, s_rawLine, offset);
                NativeIo.FlushData(handle, path);
                offset += s_rawLine.Length;
                count++;
            }

            return count / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (double Rate, double SyncsPerAppend) Appends(string root, int sessions, double seconds, FileSyncStrategy strategy, int threads,
        int syncFsMinDirtyLogs = FileStorageOptions.DefaultSyncFsMinDirtyLogs)
    {
        var directory = Path.Combine(root, "appends-" + Guid.NewGuid().ToString("N"));
        using var provider = new FileStorageProvider(new FileStorageOptions
        {
            RootDirectory = directory,
            SyncStrategy = strategy,
            FlushThreads = threads,
            SyncFsMinDirtyLogs = syncFsMinDirtyLogs,
        });
        var log = provider.EventLog;
        var ids = Enumerable.Range(0, sessions).Select(i => new GrainId("session", $"bench-{i}")).ToList();
        Task.WhenAll(ids.Select(id => log.AppendAsync(id, 1, [Event()]))).GetAwaiter().GetResult();
        var before = (provider.Statistics.Appends, provider.Statistics.FileSyncs + provider.Statistics.SyncFsRounds);

        var watch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var counts = Task.WhenAll(ids.Select(async id =>
        {
            long next = 2, count = 0;
            while (watch.Elapsed < deadline)
            {
                next = await log.AppendAsync(id, next, [Event()]);
                count++;
            }

            return count;
        })).GetAwaiter().GetResult();
        var elapsed = watch.Elapsed.TotalSeconds;

        var appends = provider.Statistics.Appends - before.Appends;
        var syncs = provider.Statistics.FileSyncs + provider.Statistics.SyncFsRounds - before.Item2;
        provider.Dispose();
        Directory.Delete(directory, recursive: true);
        return (counts.Sum() / elapsed, (double)syncs / Math.Max(1, appends));
    }

    private static async Task ReactivationAsync(string root, int events, int runs)
    {
        var directory = Path.Combine(root, "reactivation");
        var id = new GrainId("session", "long");
        const int TailAfterSnapshot = 50;
        var snapshotSeq = events - TailAfterSnapshot;
        using (var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = directory }))
        {
            var random = new Random(7);
            long next = 1;
            while (next <= events)
            {
                var batch = Enumerable.Range(0, (int)Math.Min(500, events - next + 1))
                    .Select(i => new EventToAppend(i % 3 == 0 ? "user_message" : "assistant_message", DateTimeOffset.UtcNow,
                        JsonSerializer.SerializeToUtf8Bytes(new { content = new string('x', random.Next(40, 400)) })))
                    .ToList();
                next = await provider.EventLog.AppendAsync(id, next, batch);
            }

            var snapshot = new SnapshotState
            {
                LastEventSeq = snapshotSeq,
                Messages = Enumerable.Range(0, 200).Select(i => new SnapshotMessage { Role = i % 2 == 0 ? "user" : "assistant", Content = $"message {i}\n" + new string('y', 200) }).ToList(),
            };
            await provider.GrainStorage.WriteStateAsync("state", id, new GrainState<SnapshotState> { State = snapshot });
        }

        var logBytes = new FileInfo(Path.Combine(directory, "sessions", "long", "events.jsonl")).Length;
        Console.WriteLine();
        Console.WriteLine($"reactivation of a session with {events:N0} events ({logBytes / 1024.0 / 1024.0:0.0} MiB log; warm page cache; each run opens a fresh provider):");

        var full = Measure(runs, () =>
        {
            using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = directory });
            var watch = Stopwatch.StartNew();
            var info = provider.EventLog.GetInfoAsync(id).GetAwaiter().GetResult();
            var count = CountAsync(provider.EventLog, id, 1).GetAwaiter().GetResult();
            var elapsed = watch.Elapsed.TotalMilliseconds;
            Check(count == events && info.NextSeq == events + 1, $"read {count} events");
            return elapsed;
        });
        Print("  open the log + read every event", full, " ms");

        var open = Measure(runs, () =>
        {
            using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = directory });
            var watch = Stopwatch.StartNew();
            provider.EventLog.GetInfoAsync(id).GetAwaiter().GetResult();
            return watch.Elapsed.TotalMilliseconds;
        });
        Print("  open the log only (tail scan)", open, " ms");

        var tail = Measure(runs, () =>
        {
            using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = directory });
            var watch = Stopwatch.StartNew();
            var state = new GrainState<SnapshotState>();
            provider.GrainStorage.ReadStateAsync("state", id, state).GetAwaiter().GetResult();
            var count = CountAsync(provider.EventLog, id, state.State.LastEventSeq + 1).GetAwaiter().GetResult();
            var elapsed = watch.Elapsed.TotalMilliseconds;
            Check(count == TailAfterSnapshot && state.State.Messages.Count == 200, $"replayed {count} events");
            return elapsed;
        });
        Print($"  read the snapshot (200 messages) + replay the last {TailAfterSnapshot} events", tail, " ms");
    }

    private static async Task<long> CountAsync(IEventLogStorage log, GrainId id, long fromSeq)
    {
        long count = 0;
        await foreach (var stored in log.ReadAsync(id, fromSeq))
        {
            count += stored.Json.Length > 0 ? 1 : 0;
        }

        return count;
    }

    private static EventToAppend Event() => new("user_message", DateTimeOffset.UtcNow, s_payload);

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark self-check failed: " + what);
        }
    }

    private static Sample Measure(int runs, Func<double> run)
    {
        var values = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            values.Add(run());
        }

        return Sample.Of(values);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void Print(string what, Sample sample, string unit, string? note = null)
    {
        var format = unit == "/s" ? "N0" : "0.0";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{what,-62} {sample.Median.ToString(format, CultureInfo.InvariantCulture),10}{unit} ({sample.Min.ToString(format, CultureInfo.InvariantCulture)}–{sample.Max.ToString(format, CultureInfo.InvariantCulture)})");
        Console.WriteLine(note is null ? line : $"{line}  {note}");
    }

    private readonly record struct Sample(double Median, double Min, double Max)
    {
        public static Sample Of(List<double> values) => new(StorageBenchmark.Median(values), values.Min(), values.Max());
    }

    public sealed class SnapshotState
    {
        public long LastEventSeq { get; set; }

        public List<SnapshotMessage> Messages { get; set; } = [];
    }

    public sealed class SnapshotMessage
    {
        public string Role { get; set; } = "";

        public string Content { get; set; } = "";
    }
}
