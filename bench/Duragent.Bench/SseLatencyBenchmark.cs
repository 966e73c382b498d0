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
/// Baseline in the same run: the same number of clients streaming straight from the fake server. With
/// <c>--before REV</c> an earlier <c>duragent</c> runs beside the current one and is measured the same way, in the
/// same rounds.
/// </summary>
public sealed partial class SseLatencyBenchmark(BenchReport? report = null) : IBenchmark
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromMinutes(3);

    private readonly ConcurrentDictionary<long, long> _written = new();
    private int _nextStream;
    private int _chunks;
    private TimeSpan _delay;

    public string Name => "sse";

    public string Description =>
        "token → SSE client latency at 1/100/1,000 concurrent streams through the published server vs straight from the fake LLM. "
        + "Options: --streams 1,100,1000 --chunks 20 --delay-ms 25 --runs 3 --exe PATH --before REV | --before-exe PATH --publish --dir D --keep --env NAME=VALUE";

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
            var beforeExe = await PublishedApps.BeforeAsync(options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"each stream: {_chunks} text chunks, {_delay.TotalMilliseconds:0} ms apart (fake LLM, OpenAI format); {runs} runs per level, baseline and server(s) in an order that rotates"));
            if (environment.Count > 0)
            {
                Console.WriteLine($"server environment: {string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}"))}");
            }

            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = Respond;
            await using var subject = await Subject.StartAsync("duragent", exe, llm, root, "ws", environment);
            await using var before = beforeExe is null ? null : await Subject.StartAsync("duragent before", beforeExe, llm, root, "ws-before", environment);
            Subject[] subjects = before is null ? [subject] : [subject, before];
            using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { Timeout = Timeout.InfiniteTimeSpan };

            // Warm-up: JIT and connection pools on every side.
            foreach (var server in subjects)
            {
                await DuragentRunAsync(server, 4);
            }

            await BaselineRunAsync(direct, llm, 4);
            Console.WriteLine();

            foreach (var level in levels)
            {
                var baseline = new List<RunResult>();
                var results = subjects.Select(_ => new List<RunResult>()).ToArray();
                for (var run = 0; run < runs; run++)
                {
                    // Baseline first, then each server; the order rotates by one every run.
                    for (var i = 0; i <= subjects.Length; i++)
                    {
                        var slot = (i + run) % (subjects.Length + 1);
                        if (slot == 0)
                        {
                            baseline.Add(await BaselineRunAsync(direct, llm, level));
                        }
                        else
                        {
                            results[slot - 1].Add(await DuragentRunAsync(subjects[slot - 1], level));
                        }
                    }
                }

                Print(level, baseline, subjects, results);
            }

            foreach (var server in subjects)
            {
                var exit = await server.Process.StopAsync(TimeSpan.FromSeconds(90));
                Console.WriteLine($"{server.Name}: stopped with exit code {exit}; log {server.Process.LogFile}");
            }

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

    private void Print(int level, List<RunResult> baseline, Subject[] subjects, List<RunResult>[] results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{level:N0} concurrent stream(s), {baseline[0].Latencies.Length:N0} chunks per run; ms, median over runs (min–max):"));
        Console.WriteLine($"  {"",-36} {"p50",-20} {"p90",-20} {"p99",-20} {"max",-20}");
        Row("straight from the fake LLM (baseline)", baseline);
        var added = new double[subjects.Length][];
        for (var s = 0; s < subjects.Length; s++)
        {
            Row($"through {subjects[s].Name} (SSE)", results[s]);
            added[s] = [.. new[] { 50.0, 90, 99, 100 }.Select(p => Median(results[s], p) - Median(baseline, p))];
        }

        for (var s = 0; s < subjects.Length; s++)
        {
            var goal = s > 0 ? string.Empty : $"  [goal p99 ≤ 10 ms at 1,000: {(level < 1000 ? "n/a" : added[s][2] <= 10 ? "met" : "NOT met")}]";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {"added by " + subjects[s].Name,-36} {Stats.F(added[s][0], "0.00"),-20} {Stats.F(added[s][1], "0.00"),-20} {Stats.F(added[s][2], "0.00"),-20} {Stats.F(added[s][3], "0.00"),-20}{goal}"));
        }

        for (var s = 0; s < subjects.Length; s++)
        {
            var lost = results[s].Sum(r => r.Lost);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {subjects[s].Name}: SSE frames per stream (median) {Stats.Median(results[s].Select(r => r.FramesPerStream).ToList()):0.0} assistant_delta for {results[s][0].Latencies.Length / level} chunks; "
                + $"server CPU {Stats.Median(results[s].Select(r => r.ServerCpuMs / r.Latencies.Length * 1000).ToList()):0} µs per chunk; "
                + $"server RSS {subjects[s].Process.ReadMemory().RssMiB:0.0} MiB; chunks lost: {lost}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  chunks lost by the baseline: {baseline.Sum(r => r.Lost)}"));
        Console.WriteLine();
        report?.Add(string.Create(CultureInfo.InvariantCulture, $"sse-{level}"),
            string.Create(CultureInfo.InvariantCulture, $"SSE added latency p50 / p99, {level:N0} stream(s)"),
            string.Create(CultureInfo.InvariantCulture, $"{added[0][0]:0.00} / {added[0][2]:0.00} ms (through duragent p99 {Median(results[0], 99):0.00})"),
            string.Create(CultureInfo.InvariantCulture, $"fake LLM direct p50 / p99 {Median(baseline, 50):0.00} / {Median(baseline, 99):0.00} ms"),
            string.Create(CultureInfo.InvariantCulture, $"p99 {Median(results[0], 99) / Median(baseline, 99):0.0} × direct"),
            level < 1000 ? "" : $"added p99 ≤ 10 ms: {(added[0][2] <= 10 ? "met" : "not met")}",
            subjects.Length < 2 ? "" : string.Create(CultureInfo.InvariantCulture, $"{added[1][0]:0.00} / {added[1][2]:0.00} ms"));
    }

    private static double Median(List<RunResult> runs, double percentile) => Stats.Median(runs.Select(r => r.Percentile(percentile)).ToList());

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
    private async Task<RunResult> DuragentRunAsync(Subject subject, int level)
    {
        var (api, streams, server) = (subject.Api, subject.Streams, subject.Process);
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

    // One server under measurement: its process on its own workspace, an API client and a client for the streams.
    private sealed class Subject : IAsyncDisposable
    {
        private Subject(string name, ChildProcess process, Uri baseUrl, string tokenFile)
        {
            Name = name;
            Process = process;
            Api = new DuragentApi(baseUrl, 2048, tokenFile);
            Streams = new HttpClient(new TokenHandler(tokenFile) { InnerHandler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue } }) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        }

        public string Name { get; }

        public ChildProcess Process { get; }

        public DuragentApi Api { get; }

        public HttpClient Streams { get; }

        public static async Task<Subject> StartAsync(string name, string exe, FakeLlmServer llm, string root, string folder, IReadOnlyDictionary<string, string> environment)
        {
            var workspace = BenchWorkspace.Create(Path.Combine(root, folder), llm.OpenAiBaseUrl, maxConnections: 16_384);
            var process = workspace.StartServer(exe, Path.Combine(root, "logs", folder + ".log"), environment);
            try
            {
                await process.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), TimeSpan.FromSeconds(60));
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }

            return new Subject(name, process, workspace.BaseUrl, workspace.TokenFile);
        }

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            Streams.Dispose();
            await Process.DisposeAsync();
        }
    }

    private sealed record RunResult(double[] Latencies, int Lost, double FramesPerStream, double ServerCpuMs)
    {
        public double Percentile(double percent) => Stats.Percentile(Latencies, percent);
    }
}
