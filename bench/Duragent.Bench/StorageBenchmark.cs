using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Orleans.Runtime;
using Duragent.Storage;
using Duragent.Storage.File;

namespace Duragent.Bench;

/// <summary>
/// Durable append throughput of the file event log against the raw write+fsync rate of the same disk, measured in
/// the same run, and the time to reactivate a session with a long log.
/// </summary>
public sealed class StorageBenchmark(BenchReport? report = null) : IBenchmark
{
    public string Name => "storage";

    public string Description =>
        "durable appends/s (1 and N sessions) vs raw write+fsync; reactivation time with a long log. " +
        "Options: --dir D --seconds 2 --runs 5 --slices 8 --sessions 100 --events 100000 (0: no reactivation) --threads 16 --sweep (flush threads and syncfs threshold)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var seconds = options.GetDouble("seconds", 2);
        var runs = options.GetInt("runs", 5);
        var slices = options.GetInt("slices", 8);
        var sessions = options.GetInt("sessions", 100);
        var events = options.GetInt("events", 100_000);
        var threads = options.GetInt("threads", FileStorageOptions.DefaultFlushThreads);
        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            Console.WriteLine($"directory: {root}");
            Console.WriteLine($"{runs} rounds; in each, every workload runs {seconds:0.#} s in {slices} slices interleaved with the others, "
                + "and ratios are taken within the round (the disk is shared and its speed drifts); medians over rounds (min–max)");
            Console.WriteLine();

            var results = Interleave(runs, seconds, slices,
            [
                () => new RawWriteFsyncLoad(root),
                () => new AppendLoad(root, "1 session", 1, new FileStorageOptions { FlushThreads = threads }),
                () => new AppendLoad(root, "per-file", sessions, new FileStorageOptions { FlushThreads = threads, SyncStrategy = FileSyncStrategy.PerFile }),
                () => new AppendLoad(root, "syncfs", sessions, new FileStorageOptions { FlushThreads = threads, SyncStrategy = FileSyncStrategy.SyncFsWhenBusy }),
            ]);
            var (raw, single, perFile, syncFs) = (results[0], results[1], results[2], results[3]);
            Print("raw write+fdatasync, 1 file (baseline)", Sample.Of(raw.Rates), "/s");
            Print("durable appends, 1 session", Sample.Of(single.Rates), "/s", $"{Median(Ratios(single, raw)):0.00} × raw (goal ≥ 0.80)");
            foreach (var (many, strategy) in new[] { (perFile, FileSyncStrategy.PerFile), (syncFs, FileSyncStrategy.SyncFsWhenBusy) })
            {
                var isDefault = strategy == FileStorageOptions.DefaultSyncStrategy ? ", the default" : "";
                Print($"durable appends, {sessions} sessions, {Label(strategy)}{isDefault}", Sample.Of(many.Rates), "/s",
                    $"{Median(Ratios(many, single)):0.0} × 1 session (goal ≥ 5×); {Median(many.SyncsPerAppend):0.00} syncs per append");
            }

            report?.Add("append-1", "durable appends, 1 session", Rate(single), "raw write+fdatasync " + Rate(raw),
                $"{Median(Ratios(single, raw)):0.00} × raw", $"≥ 0.8 × raw: {(Median(Ratios(single, raw)) >= 0.8 ? "met" : "not met")}");
            report?.Add("append-100", $"durable appends, {sessions} sessions, {Label(FileStorageOptions.DefaultSyncStrategy)} (default)", Rate(syncFs), "1 session " + Rate(single),
                $"{Median(Ratios(syncFs, single)):0.0} × 1 session", $"≥ 5 × 1 session: {(Median(Ratios(syncFs, single)) >= 5 ? "met" : "not met")}");

            if (options.Has("sweep"))
            {
                Sweep(root, seconds, runs, slices);
            }

            if (events > 0)
            {
                await ReactivationAsync(root, events, runs);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // The measurements behind the defaults: flush threads for per-file syncing, and the syncfs threshold. Each group
    // runs interleaved with a 1-session load, and figures are given relative to it.
    private static void Sweep(string root, double seconds, int runs, int slices)
    {
        Console.WriteLine();
        Console.WriteLine("sweep (appends/s; × the 1-session rate of the same rounds):");
        foreach (var sessions in new[] { 10, 100 })
        {
            var groups = new (string Label, Func<ILoad> Create)[][]
            {
                [.. new[] { 4, 8, 16, 32, 64 }.Select(t => ($"{sessions} sessions, per-file, {t} flush threads",
                    (Func<ILoad>)(() => new AppendLoad(root, "", sessions, new FileStorageOptions { SyncStrategy = FileSyncStrategy.PerFile, FlushThreads = t }))))],
                [.. new[] { 2, 4, 8, 16, 32 }.Select(m => ($"{sessions} sessions, syncfs when ≥ {m} logs wait",
                    (Func<ILoad>)(() => new AppendLoad(root, "", sessions, new FileStorageOptions { SyncStrategy = FileSyncStrategy.SyncFsWhenBusy, SyncFsMinDirtyLogs = m }))))],
                [.. new[] { 2, 4, 16, 64 }.Select(t => ($"{sessions} sessions, syncfs when busy, {t} flush threads",
                    (Func<ILoad>)(() => new AppendLoad(root, "", sessions, new FileStorageOptions { SyncStrategy = FileSyncStrategy.SyncFsWhenBusy, FlushThreads = t }))))],
            };
            foreach (var group in groups)
            {
                var results = Interleave(runs, seconds, slices, [() => new AppendLoad(root, "1 session", 1, new FileStorageOptions()), .. group.Select(g => g.Create)]);
                for (var i = 0; i < group.Length; i++)
                {
                    Print("  " + group[i].Label, Sample.Of(results[i + 1].Rates), "/s", $"{Median(Ratios(results[i + 1], results[0])):0.0} ×");
                }
            }
        }
    }

    // Runs every load for `seconds` per round, in `slices` alternating slices, and returns each load's rate per round.
    private static List<LoadResult> Interleave(int rounds, double seconds, int slices, Func<ILoad>[] factories)
    {
        var loads = factories.Select(create => create()).ToList();
        try
        {
            var results = loads.Select(_ => new LoadResult()).ToList();
            var slice = TimeSpan.FromSeconds(seconds / slices);
            foreach (var load in loads)
            {
                load.Run(TimeSpan.FromMilliseconds(200)); // warm up: JIT, files created
            }

            for (var round = 0; round < rounds; round++)
            {
                var totals = new (long Count, double Seconds)[loads.Count];
                for (var s = 0; s < slices; s++)
                {
                    for (var i = 0; i < loads.Count; i++)
                    {
                        var (count, elapsed) = loads[i].Run(slice);
                        totals[i] = (totals[i].Count + count, totals[i].Seconds + elapsed);
                    }
                }

                for (var i = 0; i < loads.Count; i++)
                {
                    results[i].Rates.Add(totals[i].Count / totals[i].Seconds);
                    if (loads[i] is AppendLoad append)
                    {
                        results[i].SyncsPerAppend.Add(append.SyncsPerAppend);
                    }
                }
            }

            return results;
        }
        finally
        {
            foreach (var load in loads)
            {
                load.Dispose();
            }
        }
    }

    private static string Rate(LoadResult load) => string.Create(CultureInfo.InvariantCulture, $"{Median(load.Rates):N0}/s");

    private static List<double> Ratios(LoadResult a, LoadResult b) => a.Rates.Zip(b.Rates, (x, y) => x / y).ToList();

    private static string Label(FileSyncStrategy strategy) => strategy switch
    {
        FileSyncStrategy.PerFile => "per-file fdatasync",
        _ => "syncfs when busy",
    };

    private static async Task ReactivationAsync(string root, int events, int runs)
    {
        var directory = Path.Combine(root, "reactivation");
        var id = GrainId.Create("session", "long");
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
        Console.WriteLine($"reactivation of a session with {events:N0} events ({logBytes / 1024.0 / 1024.0:0.0} MiB log; warm page cache and JIT; each run opens a fresh provider):");

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
            var snapshot = state.State ?? throw new InvalidOperationException("The snapshot did not read back.");
            var count = CountAsync(provider.EventLog, id, snapshot.LastEventSeq + 1).GetAwaiter().GetResult();
            var elapsed = watch.Elapsed.TotalMilliseconds;
            Check(count == TailAfterSnapshot && snapshot.Messages.Count == 200, $"replayed {count} events");
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

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark self-check failed: " + what);
        }
    }

    // One untimed run first: a running silo has its code jitted after its first session.
    private static Sample Measure(int runs, Func<double> run)
    {
        run();
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

    private sealed class LoadResult
    {
        public List<double> Rates { get; } = [];

        public List<double> SyncsPerAppend { get; } = [];
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
