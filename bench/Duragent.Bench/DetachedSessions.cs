using System.Diagnostics;
using System.Globalization;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;

namespace Duragent.Bench;

/// <summary>
/// Phase 1 of the footprint benchmark: memory per item kept in memory by a server at rest. For <c>duragent</c> an item
/// is a detached session (created through the HTTP API with one exchange with the fake LLM, no client attached); for
/// the bare Orleans host it is an activation of its trivial grain (one <c>GET /grains/{id}</c> each), which is what
/// Orleans itself keeps per activation behind the same kind of HTTP traffic.
/// </summary>
internal static class DetachedSessions
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>N sessions on a fresh workspace in <paramref name="directory"/>, which is left with N sessions on disk.</summary>
    public static async Task<DetachedResult> DuragentAsync(
        string name, string exe, FakeLlmServer llm, string directory, int sessions, int concurrency, TimeSpan settle, IReadOnlyDictionary<string, string> environment, string root)
    {
        var workspace = BenchWorkspace.Create(directory, llm.OpenAiBaseUrl);
        await using var server = workspace.StartServer(exe, Path.Combine(root, "logs", $"detached-{Path.GetFileName(directory)}.log"), environment);
        await server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), StartTimeout);
        using var api = new DuragentApi(workspace.BaseUrl, concurrency * 2, workspace.TokenFile);
        var calls = llm.RequestCount;
        var result = await MeasureAsync(name, server, sessions, concurrency, settle, async n =>
        {
            var id = await api.CreateSessionAsync();
            await api.SendAsync(id, string.Create(CultureInfo.InvariantCulture, $"Hello, this is session number {n}. Please answer briefly."));
            await api.WaitSettledAsync(id, 2, TimeSpan.FromMinutes(2));
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {llm.RequestCount - calls:N0} LLM calls; on disk: {DirectorySize(Path.Combine(workspace.StateDirectory, "sessions")) / 1048576.0:0.0} MiB in sessions/"));
        return result;
    }

    /// <summary>N activations of the bare Orleans host's trivial grain.</summary>
    public static async Task<DetachedResult> BareOrleansAsync(string exe, int grains, int concurrency, TimeSpan settle, IReadOnlyDictionary<string, string> environment, string root)
    {
        var port = BenchWorkspace.FreePort();
        var home = Directory.CreateDirectory(Path.Combine(root, "bare-cwd")).FullName;
        await using var server = ChildProcess.Start(exe, [port.ToString(CultureInfo.InvariantCulture)], home, Path.Combine(root, "logs", "detached-bare.log"), environment);
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        await server.WaitForOkAsync(new Uri(baseUrl, "readyz"), StartTimeout);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = baseUrl };
        return await MeasureAsync("bare Orleans host", server, grains, concurrency, settle, async n =>
        {
            using var response = await http.GetAsync(string.Create(CultureInfo.InvariantCulture, $"grains/bench-{n}"));
            response.EnsureSuccessStatusCode();
        });
    }

    public static void Print(DetachedResult result, string item)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Name}: {result.Count:N0} {item} in {result.Elapsed.TotalSeconds:0.0} s ({result.Count / result.Elapsed.TotalSeconds:N0}/s)"));
        Console.WriteLine($"  {"",-44} {"RSS",10} {"anon",10} {"file",10} {"threads",8}");
        PrintMemory("idle, before", result.Before);
        PrintMemory("right after the last one", result.Peak);
        for (var i = 0; i < result.AtRest.Count; i++)
        {
            PrintMemory(string.Create(CultureInfo.InvariantCulture, $"at rest, {(i + 1) * result.Settle.TotalSeconds:0} s later"), result.AtRest[i]);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  resident per item: {result.PerItemKiB:0.00} KiB (RSS), {result.PerItemAnonKiB:0.00} KiB (anonymous); graceful stop {result.StopTime.TotalSeconds:0.0} s (exit code {result.ExitCode})"));
    }

    // Idle memory after `settle`, then `count` items made by `workers` at a time, then memory at rest three times
    // `settle` apart; the last of those is the figure.
    private static async Task<DetachedResult> MeasureAsync(string name, ChildProcess server, int count, int workers, TimeSpan settle, Func<int, Task> make)
    {
        await Task.Delay(settle);
        var before = server.ReadMemory();
        var clock = Stopwatch.StartNew();
        var next = 0;
        var done = 0;
        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) is var n && n <= count)
            {
                await make(n);
                if (Interlocked.Increment(ref done) % 2000 == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {name}: {done:N0} done ({clock.Elapsed.TotalSeconds:0} s, RSS {server.ReadMemory().RssMiB:0.0} MiB)"));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync)));
        var elapsed = clock.Elapsed;
        var peak = server.ReadMemory();
        var atRest = new List<ProcessMemory>();
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(settle);
            atRest.Add(server.ReadMemory());
        }

        var stopClock = Stopwatch.StartNew();
        var exit = await server.StopAsync(TimeSpan.FromSeconds(90));
        return new DetachedResult(name, count, elapsed, before, peak, atRest, settle, stopClock.Elapsed, exit);
    }

    private static void PrintMemory(string what, ProcessMemory memory) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-44} {memory.RssMiB,6:0.0} MiB {memory.AnonMiB,6:0.0} MiB {memory.FileMiB,6:0.0} MiB {memory.Threads,8}"));

    private static long DirectorySize(string directory) =>
        Directory.Exists(directory) ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
}

/// <summary>What <see cref="DetachedSessions"/> measured for one server.</summary>
internal sealed record DetachedResult(
    string Name, int Count, TimeSpan Elapsed, ProcessMemory Before, ProcessMemory Peak, IReadOnlyList<ProcessMemory> AtRest, TimeSpan Settle, TimeSpan StopTime, int ExitCode)
{
    public double PerItemKiB => (AtRest[^1].RssKiB - Before.RssKiB) / (double)Count;

    public double PerItemAnonKiB => (AtRest[^1].AnonKiB - Before.AnonKiB) / (double)Count;
}
