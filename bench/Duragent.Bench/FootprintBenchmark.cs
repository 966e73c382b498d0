using System.Diagnostics;
using System.Globalization;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;

namespace Duragent.Bench;

/// <summary>
/// The published executable as a child process: its size; start → first <c>/readyz</c> 200 on an empty workspace and
/// on one with N sessions on disk; idle RSS; RSS with N detached sessions. Baselines from the same run: a minimal
/// ASP.NET Core app published the same way (start → first 200, idle RSS) and <c>duragent --version</c>.
/// </summary>
public sealed class FootprintBenchmark : IBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public string Name => "footprint";

    public string Description =>
        "the published binary: size, start → /readyz (empty and N sessions on disk), idle RSS, RSS per detached session, "
        + "vs a minimal ASP.NET Core app. Options: --runs 5 --sessions 10000 --concurrency 32 --settle 10 --idle 3 "
        + "--exe PATH --baseline-exe PATH --publish --dir D --keep --env NAME=VALUE[,NAME=VALUE]";

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
            var exe = await PublishedApps.DuragentAsync(options);
            var minimal = await PublishedApps.MinimalApiAsync(options);
            Console.WriteLine($"directory: {root}");
            if (environment.Count > 0)
            {
                Console.WriteLine($"server environment: {string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}"))}");
            }

            Console.WriteLine();
            Console.WriteLine("executable size:");
            PrintSize("duragent", exe);
            PrintSize("minimal ASP.NET Core app (baseline)", minimal);
            Console.WriteLine();

            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = _ => FakeResponse.Text("Sure", ", here", " is", " a short", " answer.").WithUsage(40, 5);

            var populated = Path.Combine(root, "ws-sessions");
            if (sessions > 0)
            {
                await DetachedSessionsAsync(exe, llm, populated, sessions, concurrency, settle, environment, root);
                Console.WriteLine();
            }

            await StartupAsync(exe, minimal, llm, root, sessions > 0 ? populated : null, sessions, runs, idle, environment);
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

    // Phase 1: a server creates N sessions through the HTTP API, each with one exchange with the fake LLM and no client
    // attached; its RSS before and after, at rest. The workspace it leaves behind is the "N sessions on disk" one.
    private static async Task DetachedSessionsAsync(
        string exe, FakeLlmServer llm, string directory, int sessions, int concurrency, TimeSpan settle, IReadOnlyDictionary<string, string> environment, string root)
    {
        var workspace = BenchWorkspace.Create(directory, llm.OpenAiBaseUrl);
        await using var server = workspace.StartServer(exe, Path.Combine(root, "logs", "detached.log"), environment);
        await server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), StartTimeout);
        await Task.Delay(settle);
        var before = server.ReadMemory();

        using var api = new DuragentApi(workspace.BaseUrl, concurrency * 2);
        var clock = Stopwatch.StartNew();
        var next = 0;
        var done = 0;
        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) is var n && n <= sessions)
            {
                var id = await api.CreateSessionAsync();
                await api.SendAsync(id, string.Create(CultureInfo.InvariantCulture, $"Hello, this is session number {n}. Please answer briefly."));
                await api.WaitSettledAsync(id, 2, TimeSpan.FromMinutes(2));
                if (Interlocked.Increment(ref done) % 1000 == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {done:N0} sessions created and answered ({clock.Elapsed.TotalSeconds:0} s, RSS {server.ReadMemory().RssMiB:0.0} MiB)"));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync)));
        var elapsed = clock.Elapsed;
        var peak = server.ReadMemory();
        var samples = new List<ProcessMemory>();
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(settle);
            samples.Add(server.ReadMemory());
        }

        var after = samples[^1];
        var stopClock = Stopwatch.StartNew();
        var exit = await server.StopAsync(TimeSpan.FromSeconds(60));
        var stopTime = stopClock.Elapsed;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sessions:N0} detached sessions: created through the API with one exchange each ({concurrency} at a time) in {elapsed.TotalSeconds:0.0} s ({sessions / elapsed.TotalSeconds:N0} sessions/s); {llm.RequestCount:N0} LLM calls"));
        Console.WriteLine($"  {"",-44} {"RSS",10} {"anon",10} {"file",10} {"threads",8}");
        PrintMemory("idle, before the sessions", before);
        PrintMemory("right after the last answer", peak);
        for (var i = 0; i < samples.Count; i++)
        {
            PrintMemory(string.Create(CultureInfo.InvariantCulture, $"at rest, {(i + 1) * settle.TotalSeconds:0} s later"), samples[i]);
        }

        var perSession = (after.RssKiB - before.RssKiB) / (double)sessions;
        var perSessionAnon = (after.AnonKiB - before.AnonKiB) / (double)sessions;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  resident per detached session: {perSession:0.00} KiB (RSS), {perSessionAnon:0.00} KiB (anonymous)  [goal ≤ 10 KiB: {(perSession <= 10 ? "met" : "NOT met")}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  peak RSS {after.PeakKiB / 1024.0:0.0} MiB; graceful stop took {stopTime.TotalSeconds:0.0} s (exit code {exit}); on disk: {DirectorySize(Path.Combine(workspace.StateDirectory, "sessions")) / 1048576.0:0.0} MiB in sessions/"));
    }

    // Phase 2: start-up and idle RSS, every variant once per round, in an order that rotates between rounds.
    private static async Task StartupAsync(
        string exe, string minimal, FakeLlmServer llm, string root, string? populated, int sessions, int runs, TimeSpan idle, IReadOnlyDictionary<string, string> environment)
    {
        var empty = BenchWorkspace.Create(Path.Combine(root, "ws-empty"), llm.OpenAiBaseUrl);
        var variants = new List<Variant>
        {
            new("minimal ASP.NET Core app: start → first GET / 200 (baseline)", (r) => MinimalAsync(minimal, root, r, idle)),
            new("duragent --version: start → exit", (_) => VersionAsync(exe)),
            new("duragent serve, empty workspace: start → /readyz 200", (r) => ServeAsync(exe, empty, root, "empty", r, idle, environment)),
        };
        if (populated is not null)
        {
            var workspace = BenchWorkspace.Open(populated);
            variants.Add(new(string.Create(CultureInfo.InvariantCulture, $"duragent serve, {sessions:N0} sessions on disk: start → /readyz 200"),
                (r) => ServeAsync(exe, workspace, root, "sessions", r, idle, environment)));
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

        var baseline = variants[0];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start-up, {runs} rounds, variants interleaved; median (min–max):"));
        Console.WriteLine($"  {"",-66} {"ms",-22} {"× baseline",10}");
        foreach (var variant in variants)
        {
            var ratio = Stats.Median(variant.Times) / Stats.Median(baseline.Times);
            var goal = variant.Name.Contains("sessions on disk", StringComparison.Ordinal)
                ? $"  [goal ≤ 300 ms: {(Stats.Median(variant.Times) <= 300 ? "met" : "NOT met")}]"
                : string.Empty;
            Console.WriteLine($"  {variant.Name,-66} {Stats.Spread(variant.Times, "0"),-22} {Stats.F(ratio, "0.00"),10}{goal}");
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle memory {idle.TotalSeconds:0} s after the first 200; MiB, median (min–max):"));
        Console.WriteLine($"  {"",-66} {"RSS",-22} {"anonymous",-22}");
        foreach (var variant in variants.Where(v => v.Rss.Count > 0))
        {
            var goal = variant.Name.StartsWith("duragent serve, empty", StringComparison.Ordinal)
                ? $"  {Stats.F(Stats.Median(variant.Rss) / Stats.Median(baseline.Rss), "0.00")} × baseline [goal ≤ 50 MB: {(Stats.Median(variant.Rss) * 1.048576 <= 50 ? "met" : "NOT met")}]"
                : string.Empty;
            Console.WriteLine($"  {variant.Name.Split(':')[0],-66} {Stats.Spread(variant.Rss),-22} {Stats.Spread(variant.Anon),-22}{goal}");
        }
    }

    private static async Task<(TimeSpan, ProcessMemory?)> MinimalAsync(string exe, string root, int round, TimeSpan idle)
    {
        // An empty working directory: the default host watches its content root (the working directory) for
        // appsettings changes, and a root holding 10,000 session folders would make the baseline pay for them.
        var port = BenchWorkspace.FreePort();
        var home = Directory.CreateDirectory(Path.Combine(root, "minimal-cwd")).FullName;
        await using var app = ChildProcess.Start(exe, [port.ToString(CultureInfo.InvariantCulture)], home, Path.Combine(root, "logs", $"minimal-{round}.log"));
        var time = await app.WaitForOkAsync(new Uri($"http://127.0.0.1:{port}/"), StartTimeout);
        await Task.Delay(idle);
        var memory = app.ReadMemory();
        await app.StopAsync(TimeSpan.FromSeconds(10));
        return (time, memory);
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
        var exit = await server.StopAsync(TimeSpan.FromSeconds(30));
        return exit == 0 ? (time, memory) : throw new InvalidOperationException($"duragent serve exited with {exit}; log {server.LogFile}\n{server.Tail()}");
    }

    private static void PrintSize(string what, string exe)
    {
        var bytes = new FileInfo(exe).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-44} {bytes / 1048576.0,8:0.0} MiB ({bytes:N0} bytes)  {exe}"));
    }

    private static void PrintMemory(string what, ProcessMemory memory) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-44} {memory.RssMiB,6:0.0} MiB {memory.AnonMiB,6:0.0} MiB {memory.FileMiB,6:0.0} MiB {memory.Threads,8}"));

    private static long DirectorySize(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    private sealed record Variant(string Name, Func<int, Task<(TimeSpan Time, ProcessMemory? Memory)>> Run)
    {
        public List<double> Times { get; } = [];

        public List<double> Rss { get; } = [];

        public List<double> Anon { get; } = [];
    }
}
