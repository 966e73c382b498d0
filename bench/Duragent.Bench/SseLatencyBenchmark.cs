using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;

namespace Duragent.Bench;

/// <summary>
/// Token → SSE-client latency through the published server at 1, 100 and 1,000 concurrent streams: every chunk the
/// fake LLM writes carries a unique marker, and its latency is the time from the fake server writing it to an SSE
/// client receiving the <c>assistant_delta</c> that carries it (fake server and clients in this process, one clock).
/// Baseline in the same run: the same number of clients streaming straight from the fake server.
/// </summary>
public sealed partial class SseLatencyBenchmark : IBenchmark
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromMinutes(3);

    private readonly ConcurrentDictionary<long, long> _written = new();
    private int _nextStream;
    private int _chunks;
    private TimeSpan _delay;

    public string Name => "sse";

    public string Description =>
        "token → SSE client latency at 1/100/1,000 concurrent streams through the published server vs straight from the fake LLM. "
        + "Options: --streams 1,100,1000 --chunks 20 --delay-ms 25 --runs 3 --exe PATH --publish --dir D --keep --env NAME=VALUE";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var levels = (options.Get("streams") ?? "1,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        _chunks = options.GetInt("chunks", 20);
        _delay = TimeSpan.FromMilliseconds(options.GetDouble("delay-ms", 25));
        var runs = options.GetInt("runs", 3);
        var environment = options.GetEnvironment("env");

        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-sse-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            var exe = await PublishedApps.DuragentAsync(options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"each stream: {_chunks} text chunks, {_delay.TotalMilliseconds:0} ms apart (fake LLM, OpenAI format); {runs} runs per level, baseline and duragent alternating"));
            if (environment.Count > 0)
            {
                Console.WriteLine($"server environment: {string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}"))}");
            }

            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = Respond;
            var workspace = BenchWorkspace.Create(Path.Combine(root, "ws"), llm.OpenAiBaseUrl, maxConnections: 16_384);
            await using var server = workspace.StartServer(exe, Path.Combine(root, "logs", "serve.log"), environment);
            await server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), TimeSpan.FromSeconds(60));
            using var api = new DuragentApi(workspace.BaseUrl, 2048);
            using var streams = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = workspace.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
            using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };

            // Warm-up: JIT and connection pools on both sides.
            await DuragentRunAsync(api, streams, 4, server);
            await BaselineRunAsync(direct, llm, 4);
            Console.WriteLine();

            foreach (var level in levels)
            {
                var baseline = new List<RunResult>();
                var subject = new List<RunResult>();
                for (var run = 0; run < runs; run++)
                {
                    if (run % 2 == 0)
                    {
                        baseline.Add(await BaselineRunAsync(direct, llm, level));
                        subject.Add(await DuragentRunAsync(api, streams, level, server));
                    }
                    else
                    {
                        subject.Add(await DuragentRunAsync(api, streams, level, server));
                        baseline.Add(await BaselineRunAsync(direct, llm, level));
                    }
                }

                Print(level, baseline, subject, server);
            }

            var exit = await server.StopAsync(TimeSpan.FromSeconds(60));
            Console.WriteLine($"server stopped with exit code {exit}; log {server.LogFile}");
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

    private static void Print(int level, List<RunResult> baseline, List<RunResult> subject, ChildProcess server)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{level:N0} concurrent stream(s), {subject[0].Latencies.Length:N0} chunks per run; ms, median over runs (min–max):"));
        Console.WriteLine($"  {"",-36} {"p50",-20} {"p90",-20} {"p99",-20} {"max",-20}");
        Row("straight from the fake LLM (baseline)", baseline);
        Row("through duragent (SSE)", subject);
        var added = new[] { 50.0, 90, 99, 100 }.Select(p => Stats.Median(subject.Select(r => r.Percentile(p)).ToList()) - Stats.Median(baseline.Select(r => r.Percentile(p)).ToList())).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"added by duragent",-36} {Stats.F(added[0], "0.00"),-20} {Stats.F(added[1], "0.00"),-20} {Stats.F(added[2], "0.00"),-20} {Stats.F(added[3], "0.00"),-20}  [goal p99 ≤ 10 ms at 1,000: {(level < 1000 ? "n/a" : added[2] <= 10 ? "met" : "NOT met")}]"));
        var lost = subject.Sum(r => r.Lost) + baseline.Sum(r => r.Lost);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  SSE frames per stream (median): {Stats.Median(subject.Select(r => r.FramesPerStream).ToList()):0.0} assistant_delta for {subject[0].Latencies.Length / level} chunks; "
            + $"server CPU {Stats.Median(subject.Select(r => r.ServerCpuMs / r.Latencies.Length * 1000).ToList()):0} µs per chunk; "
            + $"server RSS {server.ReadMemory().RssMiB:0.0} MiB; chunks lost: {lost}"));
        Console.WriteLine();
    }

    private static void Row(string what, List<RunResult> runs) =>
        Console.WriteLine($"  {what,-36} {Stats.Spread(runs.Select(r => r.Percentile(50)).ToList(), "0.00"),-20} {Stats.Spread(runs.Select(r => r.Percentile(90)).ToList(), "0.00"),-20} "
            + $"{Stats.Spread(runs.Select(r => r.Percentile(99)).ToList(), "0.00"),-20} {Stats.Spread(runs.Select(r => r.Percentile(100)).ToList(), "0.00"),-20}");

    private FakeResponse Respond(FakeRequest request)
    {
        var match = StreamIdPattern().Match(request.RawBody);
        if (!match.Success)
        {
            return FakeResponse.Text("no stream id in the request");
        }

        var stream = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        var texts = Enumerable.Range(0, _chunks).Select(k => string.Create(CultureInfo.InvariantCulture, $"[s{stream}c{k}] ")).ToArray();
        return FakeResponse.Text(texts).WithChunkDelay(_delay).WithUsage(20, _chunks)
            .WithChunkObserver(k => _written[Key(stream, k)] = Stopwatch.GetTimestamp());
    }

    private static long Key(int stream, int chunk) => ((long)stream << 20) | (uint)chunk;

    // N clients POST straight to the fake LLM and read its SSE stream.
    private async Task<RunResult> BaselineRunAsync(HttpClient http, FakeLlmServer llm, int level)
    {
        var ids = Enumerable.Range(0, level).Select(_ => Interlocked.Increment(ref _nextStream)).ToArray();
        using var limit = new CancellationTokenSource(StreamTimeout);
        var received = await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, llm.OpenAiBaseUrl + "/chat/completions")
            {
                Content = new StringContent(
                    $"{{\"model\":\"fake-model\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"bench-stream-{id}\"}}]}}",
                    Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            response.EnsureSuccessStatusCode();
            var times = new Dictionary<long, long>();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(limit.Token));
            while (await reader.ReadLineAsync(limit.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    Mark(line, times);
                    if (line == "data: [DONE]")
                    {
                        break;
                    }
                }
            }

            return (times, frames: 0);
        })));
        return Collect(ids, received, 0);
    }

    // N sessions, each with an attached SSE client; then one message each, all at once.
    private async Task<RunResult> DuragentRunAsync(DuragentApi api, HttpClient streams, int level, ChildProcess server)
    {
        var ids = Enumerable.Range(0, level).Select(_ => Interlocked.Increment(ref _nextStream)).ToArray();
        var sessions = new string[level];
        await Parallel.ForEachAsync(Enumerable.Range(0, level), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, token) =>
            sessions[i] = await api.CreateSessionAsync(cancellationToken: token));

        using var limit = new CancellationTokenSource(StreamTimeout);
        var connected = new CountdownEvent(level);
        var readers = ids.Select((id, i) => Task.Run(async () =>
        {
            using var response = await streams.GetAsync($"api/v1/sessions/{sessions[i]}/stream", HttpCompletionOption.ResponseHeadersRead, limit.Token);
            response.EnsureSuccessStatusCode();
            connected.Signal();
            var times = new Dictionary<long, long>();
            var frames = 0;
            var type = string.Empty;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(limit.Token));
            while (await reader.ReadLineAsync(limit.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                    if (type == "turn_completed")
                    {
                        break;
                    }
                }
                else if (type == "assistant_delta" && line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    frames++;
                    Mark(line, times);
                }
            }

            return (times, frames);
        })).ToArray();

        await Task.Run(() => connected.Wait(limit.Token));
        var cpuBefore = CpuMilliseconds(server.Pid);
        await Parallel.ForEachAsync(Enumerable.Range(0, level), new ParallelOptions { MaxDegreeOfParallelism = level }, async (i, token) =>
            await api.SendAsync(sessions[i], $"bench-stream-{ids[i]}", token));
        var received = await Task.WhenAll(readers);
        var cpu = CpuMilliseconds(server.Pid) - cpuBefore;
        return Collect(ids, received, cpu);
    }

    private static void Mark(string line, Dictionary<long, long> times)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (Match marker in MarkerPattern().Matches(line))
        {
            var key = Key(int.Parse(marker.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(marker.Groups[2].ValueSpan, CultureInfo.InvariantCulture));
            times.TryAdd(key, now);
        }
    }

    private RunResult Collect(int[] ids, (Dictionary<long, long> Times, int Frames)[] received, double serverCpuMs)
    {
        var latencies = new List<double>(ids.Length * _chunks);
        var lost = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            for (var k = 0; k < _chunks; k++)
            {
                var key = Key(ids[i], k);
                if (_written.TryRemove(key, out var written) && received[i].Times.TryGetValue(key, out var at))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(written, at).TotalMilliseconds);
                }
                else
                {
                    lost++;
                }
            }
        }

        var sorted = latencies.Order().ToArray();
        return new RunResult(sorted, lost, received.Average(r => (double)r.Frames), serverCpuMs);
    }

    // utime + stime of a process, from /proc/<pid>/stat (clock ticks of 10 ms).
    private static double CpuMilliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    [GeneratedRegex(@"bench-stream-(\d+)")]
    private static partial Regex StreamIdPattern();

    [GeneratedRegex(@"\[s(\d+)c(\d+)\]")]
    private static partial Regex MarkerPattern();

    private sealed record RunResult(double[] Latencies, int Lost, double FramesPerStream, double ServerCpuMs)
    {
        public double Percentile(double percent) => Stats.Percentile(Latencies, percent);
    }
}
