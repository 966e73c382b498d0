using System.Globalization;
using System.Text;
using System.Text.Json;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;

namespace Duragent.Bench;

/// <summary>
/// Bytes the published server writes per message, against the bytes its event log grows by: one session, N messages
/// of 1 KiB sent one after another (each answered by the fake LLM before the next), the server's
/// <c>/proc/PID/io</c> read after each. <c>wchar</c> counts bytes handed to <c>write</c> (what the program writes);
/// <c>write_bytes</c> counts bytes the kernel sends to the device (whole pages, so every fsynced append of a few
/// hundred bytes costs at least one page). The log's own size is the baseline.
/// </summary>
public sealed class WriteAmplificationBenchmark : IBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public string Name => "writes";

    public string Description =>
        "bytes written per message (published server, /proc/PID/io) over N messages of 1 KiB, as a ratio to the event "
        + "log's growth. Options: --messages 1000 --size 1024 --exe PATH --publish --dir D --keep";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var messages = Math.Max(1, options.GetInt("messages", 1000));
        var size = options.GetInt("size", 1024);
        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-writes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            var exe = await PublishedApps.DuragentAsync(options);
            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = _ => FakeResponse.Text("Noted", ", thank you.").WithUsage(300, 4);

            var workspace = BenchWorkspace.Create(Path.Combine(root, "ws"), llm.OpenAiBaseUrl);
            await using var server = workspace.StartServer(exe, Path.Combine(root, "server.log"));
            await server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), StartTimeout);
            using var api = new DuragentApi(workspace.BaseUrl, 4, workspace.TokenFile);
            var id = await api.CreateSessionAsync();
            var sessionDirectory = Path.Combine(workspace.StateDirectory, "sessions", id);

            var filler = new string('x', Math.Max(0, size - 16));
            var start = ProcIo.Read(server.Pid);
            var startLog = LogBytes(sessionDirectory);
            var samples = new List<Sample>();
            var previous = new Sample(0, start, startLog);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{messages:N0} messages of {size:N0} bytes, one session, each answered before the next"));
            Console.WriteLine($"  {"messages",10} {"log +bytes",12} {"wchar +bytes",14} {"ratio",7} {"device +bytes",14} {"ratio",7}   (per window since the previous row)");
            for (var n = 1; n <= messages; n++)
            {
                var content = string.Create(CultureInfo.InvariantCulture, $"message {n,6} {filler}");
                using var response = await api.Http.PostAsync(
                    $"api/v1/sessions/{id}/messages?wait=true",
                    new StringContent($"{{\"content\":\"{JsonEncodedText.Encode(content)}\"}}", Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                if (n is 10 or 100 || n % 250 == 0 || n == messages)
                {
                    var sample = new Sample(n, ProcIo.Read(server.Pid), LogBytes(sessionDirectory));
                    Print(previous, sample);
                    samples.Add(sample);
                    previous = sample;
                }
            }

            var last = samples[^1];
            var logGrowth = (double)(last.LogBytes - startLog);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"total over {messages:N0} messages: event log {logGrowth / 1048576:0.00} MiB; written (wchar) {(last.Io.WChar - start.WChar) / 1048576.0:0.00} MiB = {(last.Io.WChar - start.WChar) / logGrowth:0.00} x the log  [goal ≤ 2 x]; "
                + $"to the device (write_bytes) {(last.Io.WriteBytes - start.WriteBytes) / 1048576.0:0.00} MiB = {(last.Io.WriteBytes - start.WriteBytes) / logGrowth:0.00} x"));
            var first = samples[0];
            var beforeLast = samples.Count > 1 ? samples[^2] : new Sample(0, start, startLog);
            var earlyPerMessage = (first.Io.WChar - start.WChar) / (double)first.Messages;
            var latePerMessage = (last.Io.WChar - beforeLast.Io.WChar) / (double)(last.Messages - beforeLast.Messages);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per message: first {first.Messages} {earlyPerMessage:N0} bytes, last {last.Messages - beforeLast.Messages} {latePerMessage:N0} bytes = {latePerMessage / earlyPerMessage:0.00} x  [goal: flat]"));
            await server.StopAsync(TimeSpan.FromSeconds(30));
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

    private static void Print(Sample from, Sample to)
    {
        var log = to.LogBytes - from.LogBytes;
        var wchar = to.Io.WChar - from.Io.WChar;
        var device = to.Io.WriteBytes - from.Io.WriteBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {to.Messages,10:N0} {log,12:N0} {wchar,14:N0} {wchar / (double)log,7:0.00} {device,14:N0} {device / (double)log,7:0.00}"));
    }

    // The event log with its archive: what the session's history costs on disk.
    private static long LogBytes(string sessionDirectory) =>
        Directory.Exists(sessionDirectory)
            ? Directory.EnumerateFiles(sessionDirectory, "events*.jsonl").Sum(f => new FileInfo(f).Length)
            : 0;

    private sealed record Sample(int Messages, ProcIo Io, long LogBytes);

    private readonly record struct ProcIo(long WChar, long WriteBytes)
    {
        public static ProcIo Read(int pid)
        {
            long wchar = 0, writeBytes = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
            {
                if (line.StartsWith("wchar:", StringComparison.Ordinal))
                {
                    wchar = long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    writeBytes = long.Parse(line.AsSpan(12).Trim(), CultureInfo.InvariantCulture);
                }
            }

            return new ProcIo(wchar, writeBytes);
        }
    }
}
