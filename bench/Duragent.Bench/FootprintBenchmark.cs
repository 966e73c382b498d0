using System.Diagnostics;
using System.Globalization;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;
using Duragent.Storage.File;

namespace Duragent.Bench;

/// <summary>
/// The published executable as a child process: its size; start → first <c>/readyz</c> 200 on an empty workspace and
/// on one with N sessions on disk; idle RSS; RSS per detached session. Baselines from the same run, published the
/// same way: a bare Orleans silo + Kestrel host (bench/BareOrleans: start → <c>/readyz</c>, idle RSS, RSS per
/// activation of a trivial grain), a minimal ASP.NET Core app and <c>duragent --version</c>; optionally the
/// <c>duragent</c> of an earlier commit (<c>--before REV</c>), measured exactly like the current one.
/// </summary>
public sealed class FootprintBenchmark(BenchReport? report = null) : IBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public string Name => "footprint";

    public string Description =>
        "the published binary: size, start → /readyz (empty and N sessions on disk), idle RSS, RSS per detached session, "
        + "vs a bare Orleans silo + Kestrel host and a minimal ASP.NET Core app published the same way. Options: --runs 5 "
        + "--sessions 10000 --concurrency 32 --settle 10 --idle 3 --exe PATH --bare-exe PATH --baseline-exe PATH "
        + "--before REV | --before-exe PATH (an earlier duragent, measured alike) --publish --dir D --keep --env NAME=VALUE[,NAME=VALUE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var runs = options.GetInt("runs", 5);
        var sessions = options.GetInt("sessions", 10_000);
        var concurrency = options.GetInt("concurrency", 32);
        var settle = TimeSpan.FromSeconds(options.GetDouble("settle", 10));
        var idle = TimeSpan.FromSeconds(options.GetDouble("idle", 3));
        var environment = options.GetEnvironment("env");
        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-footprint-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            var apps = new Apps(
                await PublishedApps.DuragentAsync(options),
                await PublishedApps.BareOrleansAsync(options),
                await PublishedApps.MinimalApiAsync(options),
                await PublishedApps.BeforeAsync(options));
            Console.WriteLine($"directory: {root}");
            if (environment.Count > 0)
            {
                Console.WriteLine($"server environment (every server): {string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}"))}");
            }

            Console.WriteLine();
            Console.WriteLine("executable size:");
            PrintSize("duragent", apps.Duragent);
            PrintSize("bare Orleans host (baseline)", apps.Bare);
            PrintSize("minimal ASP.NET Core app", apps.Minimal);
            if (apps.Before is { } beforeExe)
            {
                PrintSize("duragent before (--before)", beforeExe);
            }

            Console.WriteLine();
            report?.Add("size", "executable", MiB(new FileInfo(apps.Duragent).Length), MiB(new FileInfo(apps.Bare).Length),
                Ratio(new FileInfo(apps.Duragent).Length, new FileInfo(apps.Bare).Length), before: apps.Before is { } b ? MiB(new FileInfo(b).Length) : "");

            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = _ => FakeResponse.Text("Sure", ", here", " is", " a short", " answer.").WithUsage(40, 5);

            Workspaces? populated = null;
            if (sessions > 0)
            {
                populated = await DetachedAsync(apps, llm, root, sessions, concurrency, settle, environment);
                Console.WriteLine();
            }

            await StartupAsync(apps, llm, root, populated, sessions, runs, idle, environment);
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

    // Phase 1: N detached sessions per duragent, N grain activations in the bare Orleans host; memory at rest per item.
    // The workspaces the duragent servers leave behind are the "N sessions on disk" ones of phase 2.
    private async Task<Workspaces> DetachedAsync(
        Apps apps, FakeLlmServer llm, string root, int sessions, int concurrency, TimeSpan settle, IReadOnlyDictionary<string, string> environment)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory at rest per item: {sessions:N0} items made {concurrency} at a time, memory read {settle.TotalSeconds:0} s after start and 3 × {settle.TotalSeconds:0} s after the last item"));
        var bare = await DetachedSessions.BareOrleansAsync(apps.Bare, sessions, concurrency, settle, environment, root);
        DetachedSessions.Print(bare, "grain activations (GET /grains/{id})");
        var current = Path.Combine(root, "ws-sessions");
        var after = await DetachedSessions.DuragentAsync("duragent", apps.Duragent, llm, current, sessions, concurrency, settle, environment, root);
        DetachedSessions.Print(after, "detached sessions (create + one exchange each)");
        DetachedResult? before = null;
        string? previous = null;
        if (apps.Before is { } beforeExe)
        {
            previous = Path.Combine(root, "ws-sessions-before");
            before = await DetachedSessions.DuragentAsync("duragent before", beforeExe, llm, previous, sessions, concurrency, settle, environment, root);
            DetachedSessions.Print(before, "detached sessions (create + one exchange each)");
        }

        Console.WriteLine();
        Console.WriteLine("resident per detached session vs per bare Orleans activation, KiB (RSS / anonymous):");
        var previousFigure = before is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; before {before.PerItemKiB:0.00} / {before.PerItemAnonKiB:0.00}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  duragent {after.PerItemKiB:0.00} / {after.PerItemAnonKiB:0.00}; bare Orleans {bare.PerItemKiB:0.00} / {bare.PerItemAnonKiB:0.00} = {after.PerItemKiB / bare.PerItemKiB:0.0} ×{previousFigure}  [goal ≤ 10 KiB: {(after.PerItemKiB <= 10 ? "met" : "NOT met")}]"));
        report?.Add("per-session", "resident per detached session (RSS; anonymous)",
            string.Create(CultureInfo.InvariantCulture, $"{after.PerItemKiB:0.0} KiB; {after.PerItemAnonKiB:0.0} KiB"),
            string.Create(CultureInfo.InvariantCulture, $"{bare.PerItemKiB:0.0} KiB; {bare.PerItemAnonKiB:0.0} KiB per trivial activation"),
            Ratio(after.PerItemKiB, bare.PerItemKiB),
            $"≤ 10 KiB: {(after.PerItemKiB <= 10 ? "met" : "not met")}",
            before is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{before.PerItemKiB:0.0} KiB; {before.PerItemAnonKiB:0.0} KiB"));
        return new Workspaces(current, previous);
    }

    // Phase 2: start-up and idle RSS, every variant once per round, in an order that rotates between rounds.
    private async Task StartupAsync(
        Apps apps, FakeLlmServer llm, string root, Workspaces? populated, int sessions, int runs, TimeSpan idle, IReadOnlyDictionary<string, string> environment)
    {
        var empty = BenchWorkspace.Create(Path.Combine(root, "ws-empty"), llm.OpenAiBaseUrl);
        var bare = new Variant("bare Orleans host: start → /readyz 200 (baseline)", r => BareAsync(apps.Bare, root, r, idle, environment));
        var emptyServe = new Variant("duragent serve, empty workspace: start → /readyz 200", r => ServeAsync(apps.Duragent, empty, root, "empty", r, idle, environment));
        var variants = new List<Variant>
        {
            bare,
            new("minimal ASP.NET Core app: start → first GET / 200", r => MinimalAsync(apps.Minimal, root, r, idle, environment)),
            new("duragent --version: start → exit", _ => VersionAsync(apps.Duragent)),
            emptyServe,
        };
        Variant? populatedServe = null;
        (List<double> Times, List<double> StartTimes, int Rows)? reminderRows = null;
        if (populated is not null)
        {
            var workspace = BenchWorkspace.Open(populated.Current);
            reminderRows = await ReminderRowsAsync(workspace.StateDirectory, runs);
            populatedServe = new(string.Create(CultureInfo.InvariantCulture, $"duragent serve, {sessions:N0} sessions on disk: start → /readyz 200"),
                r => ServeAsync(apps.Duragent, workspace, root, "sessions", r, idle, environment));
            variants.Add(populatedServe);
        }

        Variant? beforeEmpty = null;
        Variant? beforePopulated = null;
        if (apps.Before is { } beforeExe)
        {
            var emptyBefore = BenchWorkspace.Create(Path.Combine(root, "ws-empty-before"), llm.OpenAiBaseUrl);
            beforeEmpty = new("duragent before, empty workspace: start → /readyz 200", r => ServeAsync(beforeExe, emptyBefore, root, "before-empty", r, idle, environment));
            variants.Add(beforeEmpty);
            if (populated?.Before is { } previous)
            {
                var workspace = BenchWorkspace.Open(previous);
                beforePopulated = new(string.Create(CultureInfo.InvariantCulture, $"duragent before, {sessions:N0} sessions on disk: start → /readyz 200"),
                    r => ServeAsync(beforeExe, workspace, root, "before-sessions", r, idle, environment));
                variants.Add(beforePopulated);
            }
        }

        for (var round = 0; round < runs; round++)
        {
            for (var i = 0; i < variants.Count; i++)
            {
                var variant = variants[(i + round) % variants.Count];
                var (time, memory) = await variant.Run(round);
                variant.Times.Add(time.TotalMilliseconds);
                if (memory is { } m)
                {
                    variant.Rss.Add(m.RssMiB);
                    variant.Anon.Add(m.AnonMiB);
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"start-up, {runs} rounds, variants interleaved; median (min–max); ratios are medians of the per-round ratios:"));
        Console.WriteLine($"  {"",-66} {"ms",-22} {"× bare Orleans",14} {"× minimal",10}");
        var minimal = variants[1];
        foreach (var variant in variants)
        {
            var goal = variant == emptyServe || variant == populatedServe
                ? $"  [goal ≤ 1.1 × bare Orleans: {(RoundRatio(variant.Times, bare.Times) <= 1.1 ? "met" : "NOT met")}]"
                : string.Empty;
            Console.WriteLine($"  {variant.Name,-66} {Stats.Spread(variant.Times, "0"),-22} {Stats.F(RoundRatio(variant.Times, bare.Times), "0.00"),14} "
                + $"{Stats.F(RoundRatio(variant.Times, minimal.Times), "0.00"),10}{goal}");
        }

        if (reminderRows is { } load)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  the file reminder table reads its {load.Rows:N0} rows in the background in {Stats.Spread(load.Times, "0")} ms; the start waits {Stats.Spread(load.StartTimes, "0.0")} ms for it (in this process, JIT-compiled; {runs} reads after one warm-up)"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle memory {idle.TotalSeconds:0} s after the first 200; MiB, median (min–max):"));
        Console.WriteLine($"  {"",-50} {"RSS",-22} {"anonymous",-22} {"× bare (RSS; anon)",-20}");
        foreach (var variant in variants.Where(v => v.Rss.Count > 0))
        {
            var goal = variant == emptyServe
                ? $"  [goal ≤ 1.1 × bare Orleans: {(RoundRatio(variant.Rss, bare.Rss) <= 1.1 ? "met" : "NOT met")}]"
                : string.Empty;
            Console.WriteLine($"  {variant.Name.Split(':')[0],-50} {Stats.Spread(variant.Rss),-22} {Stats.Spread(variant.Anon),-22} "
                + $"{Stats.F(RoundRatio(variant.Rss, bare.Rss), "0.00") + "; " + Stats.F(RoundRatio(variant.Anon, bare.Anon), "0.00"),-20}{goal}");
        }

        if (report is null)
        {
            return;
        }

        report.Add("idle-rss", "idle RSS (anonymous), empty workspace", Mem(emptyServe), Mem(bare),
            $"{Stats.F(RoundRatio(emptyServe.Rss, bare.Rss), "0.00")} × ({Stats.F(RoundRatio(emptyServe.Anon, bare.Anon), "0.00")} ×)",
            Verdict(RoundRatio(emptyServe.Rss, bare.Rss)), beforeEmpty is null ? "" : Mem(beforeEmpty));
        if (populatedServe is not null)
        {
            report.Add("idle-rss-sessions", string.Create(CultureInfo.InvariantCulture, $"idle RSS (anonymous), {sessions:N0} sessions on disk"), Mem(populatedServe), Mem(bare),
                $"{Stats.F(RoundRatio(populatedServe.Rss, bare.Rss), "0.00")} × ({Stats.F(RoundRatio(populatedServe.Anon, bare.Anon), "0.00")} ×)",
                "", beforePopulated is null ? "" : Mem(beforePopulated));
        }

        report.Add("start-empty", "start → /readyz, empty workspace", Ms(emptyServe), Ms(bare), Stats.F(RoundRatio(emptyServe.Times, bare.Times), "0.00") + " ×",
            Verdict(RoundRatio(emptyServe.Times, bare.Times)), beforeEmpty is null ? "" : Ms(beforeEmpty));
        if (populatedServe is not null)
        {
            report.Add("start-sessions", string.Create(CultureInfo.InvariantCulture, $"start → /readyz, {sessions:N0} sessions on disk"), Ms(populatedServe), Ms(bare),
                Stats.F(RoundRatio(populatedServe.Times, bare.Times), "0.00") + " ×", Verdict(RoundRatio(populatedServe.Times, bare.Times)),
                beforePopulated is null ? "" : Ms(beforePopulated));
        }

        if (reminderRows is { } rows)
        {
            report.Add("reminder-rows", string.Create(CultureInfo.InvariantCulture, $"reading the {rows.Rows:N0} reminder rows, in the background (file table alone, in-process); what the start waits for"),
                Stats.Spread(rows.Times, "0") + " ms; " + Stats.Spread(rows.StartTimes, "0.0") + " ms", "", "");
        }

        report.Add("start-minimal", "start → first 200, minimal ASP.NET Core app (second baseline)", Ms(minimal), Ms(bare), Stats.F(RoundRatio(minimal.Times, bare.Times), "0.00") + " ×");
    }

    // The file reminder table's read of every row, alone, on a provider opened on the workspace (no server runs
    // meanwhile; the first read warms the JIT up). Since the read moved to the background, the silo's start waits only
    // for StartAsync (a listing of the reminder folder); the whole read (StartAsync until InitialLoad completes) runs
    // beside the rest of the start.
    private static async Task<(List<double> Times, List<double> StartTimes, int Rows)> ReminderRowsAsync(string stateDirectory, int runs)
    {
        var times = new List<double>();
        var startTimes = new List<double>();
        var rows = 0;
        for (var i = 0; i <= runs; i++)
        {
            await using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = stateDirectory });
            var clock = Stopwatch.StartNew();
            await provider.Reminders.StartAsync();
            var started = clock.Elapsed.TotalMilliseconds;
            await provider.Reminders.InitialLoad;
            var elapsed = clock.Elapsed.TotalMilliseconds;
            rows = (await provider.Reminders.ReadRows(0, 0)).Reminders.Count;
            if (i > 0)
            {
                times.Add(elapsed);
                startTimes.Add(started);
            }
        }

        return (times, startTimes, rows);
    }

    private static string Verdict(double ratio) => $"≤ 1.1 × bare: {(ratio <= 1.1 ? "met" : "not met")}";

    private static string Ms(Variant variant) => Stats.Spread(variant.Times, "0") + " ms";

    private static string Mem(Variant variant) =>
        $"{Stats.F(Stats.Median(variant.Rss))} MiB ({Stats.F(Stats.Median(variant.Anon))})";

    private static string MiB(long bytes) => Stats.F(bytes / 1048576.0) + " MiB";

    private static string Ratio(double value, double baseline) => Stats.F(value / baseline, "0.00") + " ×";

    // The median over rounds of value[round] / baseline[round]: each round runs every variant once, close in time,
    // so a ratio within a round is steadier than a ratio of medians when the machine's load drifts.
    private static double RoundRatio(List<double> values, List<double> baseline) =>
        Stats.Median(values.Zip(baseline, (v, b) => v / b).ToList());

    private static async Task<(TimeSpan, ProcessMemory?)> MinimalAsync(string exe, string root, int round, TimeSpan idle, IReadOnlyDictionary<string, string> environment)
    {
        // An empty working directory: the default host watches its content root (the working directory) for
        // appsettings changes, and a root holding 10,000 session folders would make the baseline pay for them.
        var port = BenchWorkspace.FreePort();
        var home = Directory.CreateDirectory(Path.Combine(root, "minimal-cwd")).FullName;
        await using var app = ChildProcess.Start(exe, [port.ToString(CultureInfo.InvariantCulture)], home, Path.Combine(root, "logs", $"minimal-{round}.log"), environment);
        var time = await app.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/"), StartTimeout);
        await Task.Delay(idle);
        var memory = app.ReadMemory();
        await app.StopAsync(TimeSpan.FromSeconds(10));
        return (time, memory);
    }

    private static async Task<(TimeSpan, ProcessMemory?)> BareAsync(string exe, string root, int round, TimeSpan idle, IReadOnlyDictionary<string, string> environment)
    {
        var port = BenchWorkspace.FreePort();
        var home = Directory.CreateDirectory(Path.Combine(root, "bare-cwd")).FullName;
        await using var app = ChildProcess.Start(exe, [port.ToString(CultureInfo.InvariantCulture)], home, Path.Combine(root, "logs", $"bare-{round}.log"), environment);
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        var time = await app.WaitForOkAsync(new Uri(baseUrl, "readyz"), StartTimeout);
        await Task.Delay(idle);
        var memory = app.ReadMemory();

        // After the memory is read: a grain call proves the trimmed silo works (a missing part fails the first call).
        using (var http = new HttpClient { BaseAddress = baseUrl })
        {
            using var response = await http.GetAsync("grains/check");
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"bare Orleans host: GET /grains/check answered {(int)response.StatusCode}; log {app.LogFile}\n{app.Tail()}");
            }
        }

        var exit = await app.StopAsync(TimeSpan.FromSeconds(30));
        return exit == 0 ? (time, memory) : throw new InvalidOperationException($"bare Orleans host exited with {exit}; log {app.LogFile}\n{app.Tail()}");
    }

    private static async Task<(TimeSpan, ProcessMemory?)> VersionAsync(string exe)
    {
        var (code, output, elapsed) = await PublishedApps.RunAsync(exe, ["--version"]);
        return code == 0 ? (elapsed, null) : throw new InvalidOperationException($"duragent --version exited with {code}: {output}");
    }

    private static async Task<(TimeSpan, ProcessMemory?)> ServeAsync(
        string exe, BenchWorkspace workspace, string root, string name, int round, TimeSpan idle, IReadOnlyDictionary<string, string> environment)
    {
        await using var server = workspace.StartServer(exe, Path.Combine(root, "logs", $"serve-{name}-{round}.log"), environment);
        var time = await server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), StartTimeout);
        await Task.Delay(idle);
        var memory = server.ReadMemory();
        var exit = await server.StopAsync(TimeSpan.FromSeconds(90));
        return exit == 0 ? (time, memory) : throw new InvalidOperationException($"duragent serve exited with {exit}; log {server.LogFile}\n{server.Tail()}");
    }

    private static void PrintSize(string what, string exe)
    {
        var bytes = new FileInfo(exe).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-44} {bytes / 1048576.0,8:0.0} MiB ({bytes:N0} bytes)  {exe}"));
    }

    private sealed record Apps(string Duragent, string Bare, string Minimal, string? Before);

    private sealed record Workspaces(string Current, string? Before);

    private sealed class Variant(string name, Func<int, Task<(TimeSpan Time, ProcessMemory? Memory)>> run)
    {
        public string Name { get; } = name;

        public Func<int, Task<(TimeSpan Time, ProcessMemory? Memory)>> Run { get; } = run;

        public List<double> Times { get; } = [];

        public List<double> Rss { get; } = [];

        public List<double> Anon { get; } = [];
    }
}
