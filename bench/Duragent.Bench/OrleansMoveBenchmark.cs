namespace Duragent.Bench;

/// <summary>
/// The figures of the move to Orleans in one command: <c>footprint</c> (against the bare Orleans host), <c>sse</c>
/// (against the fake LLM direct) and the append ratios of <c>storage</c> (against raw write+fdatasync), one after the
/// other, then their headline figures in one table beside the figures documented before the move. With
/// <c>--before REV</c> the pre-Orleans release is published and measured in the same run as well.
/// </summary>
public sealed class OrleansMoveBenchmark : IBenchmark
{
    // docs/benchmarks.md, measured on the home-made runtime (release cfd2895 and earlier), 2026-11-21 unless noted.
    private static readonly Dictionary<string, string> s_documented = new(StringComparer.Ordinal)
    {
        ["size"] = "50.2 MiB",
        ["idle-rss"] = "63.9 MiB (9.0)",
        ["idle-rss-sessions"] = "100.2 MiB (42.5)",
        ["start-empty"] = "424 ms (283–428); rerun 356 ms (297–389)",
        ["start-sessions"] = "439 ms (381–658)",
        ["start-minimal"] = "191 ms (181–207)",
        ["per-session"] = "10.7 KiB; 9.5 KiB",
        ["sse-1"] = "1.74 / 10.08 ms",
        ["sse-100"] = "7.87 / 44.60 ms (rerun 3.53 / 18.37)",
        ["sse-1000"] = "0.02 / 41.32 ms",
        ["append-1"] = "0.89 × raw",
        ["append-100"] = "11.0 × 1 session",
    };

    public string Name => "orleans";

    public string Description =>
        "footprint, sse and storage appends in one run, then one table: each figure against its same-run baseline (bare "
        + "Orleans host, fake LLM direct, raw fdatasync) and the figures before the move. Options: those of the three "
        + "(passed to each), --before REV (also measure that commit's duragent), --skip footprint,sse,storage";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        if (options.Has("dir"))
        {
            throw new ArgumentException("--dir: each benchmark of the run makes its own directory under the temp folder");
        }

        var skip = (options.Get("skip") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var report = new BenchReport();
        var parts = new (IBenchmark Benchmark, string[] Args)[]
        {
            (new FootprintBenchmark(report), args),
            (new SseLatencyBenchmark(report), args),
            (new StorageBenchmark(report), options.Has("events") ? args : [.. args, "--events", "0"]),
        };
        foreach (var (benchmark, arguments) in parts.Where(p => !skip.Contains(p.Benchmark.Name)))
        {
            Console.WriteLine($"==== {benchmark.Name} ====");
            var code = await benchmark.RunAsync(arguments);
            if (code != 0)
            {
                return code;
            }

            Console.WriteLine();
        }

        var before = options.Get("before") is { } revision ? $"before, same run ({revision})" : "before, same run";
        Console.WriteLine($"==== summary (Markdown) ====");
        Console.WriteLine($"| Figure | duragent on Orleans | baseline, same run | ratio | target | {before} | before, documented |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var row in report.Rows)
        {
            Console.WriteLine($"| {row.Figure} | {row.Measured} | {row.Baseline} | {row.Ratio} | {row.Target} | {row.Before} | {s_documented.GetValueOrDefault(row.Key, "")} |");
        }

        return 0;
    }
}
