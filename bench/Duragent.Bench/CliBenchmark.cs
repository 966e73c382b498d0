using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Duragent.Bench.Processes;
using Duragent.FakeLlm;

namespace Duragent.Bench;

/// <summary>
/// The <c>duragent</c> CLI as its user sees it, against a warm server of the workspace: <c>session list</c> (start →
/// exit) and <c>attach ID</c> (start → the first history line on stdout), each against <c>duragent --version</c> of the
/// same executable (the process start alone), and the Orleans connect time the current CLI prints with <c>-v</c>.
/// With <c>--before REV</c> (or <c>--before-exe</c>) an earlier <c>duragent</c>, published the same way, is measured in
/// the same rounds against a server of its own (c4b999c: the CLI as an HTTP client of the REST API).
/// </summary>
public sealed partial class CliBenchmark : IBenchmark
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public string Name => "cli";

    public string Description =>
        "CLI commands against a warm server: --version (baseline), session list (start → exit), attach ID (start → first "
        + "history line), Orleans connect time (-v). Options: --runs 15 --sessions 20 --exchanges 3 --warmup 2 --exe PATH "
        + "--before REV | --before-exe PATH (an earlier duragent, measured alike) --publish --dir D --keep --env NAME=VALUE[,NAME=VALUE]";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var runs = options.GetInt("runs", 15);
        var sessions = Math.Max(1, options.GetInt("sessions", 20));
        var exchanges = Math.Max(1, options.GetInt("exchanges", 3));
        var warmup = Math.Max(1, options.GetInt("warmup", 2));
        var environment = options.GetEnvironment("env");
        var root = options.Get("dir") ?? Path.Combine(Path.GetTempPath(), "duragent-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var builds = new List<Build>();
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            builds.Add(new Build("current", await PublishedApps.DuragentAsync(options)));
            if (await PublishedApps.BeforeAsync(options) is { } beforeExe)
            {
                builds.Add(new Build("before " + (options.Get("before") ?? "(--before-exe)"), beforeExe));
            }

            Console.WriteLine($"directory: {root}");
            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = _ => FakeResponse.Text("Sure", ", here", " is", " a short", " answer.").WithUsage(40, 5);

            foreach (var build in builds)
            {
                await PrepareAsync(build, llm, root, sessions, exchanges, warmup, environment);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"measuring: {runs} rounds, each runs every command of every build once (builds alternate first); load average {LoadAverage()}"));
            for (var round = 0; round < runs; round++)
            {
                for (var i = 0; i < builds.Count; i++)
                {
                    await RoundAsync(builds[(i + round) % builds.Count]);
                }
            }

            Console.WriteLine($"load average at the end: {LoadAverage()}");
            foreach (var build in builds)
            {
                var exit = await build.Server!.StopAsync(TimeSpan.FromSeconds(60));
                if (exit != 0)
                {
                    Console.WriteLine($"warning: the {build.Name} server exited with {exit}; log {build.Server.LogFile}");
                }
            }

            Print(builds, sessions, exchanges, runs);
            return 0;
        }
        finally
        {
            foreach (var build in builds.Where(b => b.Server is not null))
            {
                await build.Server!.DisposeAsync();
            }

            if (!options.Has("keep"))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    // One server per build, started once: N sessions, the first with a few exchanges (what attach shows), then warm-up
    // commands (unmeasured) so that the measured ones meet a server whose grains and code paths are warm.
    private static async Task PrepareAsync(
        Build build, FakeLlmServer llm, string root, int sessions, int exchanges, int warmup, IReadOnlyDictionary<string, string> environment)
    {
        var workspace = BenchWorkspace.Create(Path.Combine(root, "ws-" + build.Folder), llm.OpenAiBaseUrl);
        build.Workspace = workspace;
        build.Server = workspace.StartServer(build.Exe, Path.Combine(root, "logs", $"serve-{build.Folder}.log"), environment);
        var ready = await build.Server.WaitForOkAsync(new Uri(workspace.BaseUrl, "readyz"), StartTimeout);
        using (var api = new DuragentApi(workspace.BaseUrl, tokenFile: workspace.TokenFile))
        {
            build.SessionId = await api.CreateSessionAsync();
            for (var i = 0; i < exchanges; i++)
            {
                await api.SendAsync(build.SessionId, string.Create(CultureInfo.InvariantCulture, $"Question number {i + 1}, please answer briefly."));
                await api.WaitSettledAsync(build.SessionId, 2 * (i + 1), TimeSpan.FromMinutes(1));
            }

            for (var i = 1; i < sessions; i++)
            {
                await api.CreateSessionAsync();
            }
        }

        // The first command may meet a server that has not published its gateway yet (node.json): retry it a while.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (code, output, _) = await RunToExitAsync(build.Exe, ["session", "list"], workspace.Directory);
            if (code == 0)
            {
                var listed = output.Split('\n').Count(l => l.Contains(build.SessionId, StringComparison.Ordinal));
                if (listed == 0)
                {
                    throw new InvalidOperationException($"{build.Name}: `session list` does not show {build.SessionId}:\n{output}");
                }

                break;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"{build.Name}: `session list` exited with {code}:\n{output}");
            }

            await Task.Delay(250);
        }

        for (var i = 0; i < warmup; i++)
        {
            await VersionAsync(build);
            await ListAsync(build);
            await AttachAsync(build);
            await ConnectAsync(build);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{build.Name}: {build.Exe}; server ready in {ready.TotalMilliseconds:0} ms, {sessions} sessions (attach: {build.SessionId}, {2 * exchanges} messages), {warmup} warm-up rounds"));
    }

    private static async Task RoundAsync(Build build)
    {
        build.Version.Add(await VersionAsync(build));
        build.List.Add(await ListAsync(build));
        build.Attach.Add(await AttachAsync(build));
        if (await ConnectAsync(build) is { } connect)
        {
            build.Connect.Add(connect);
        }
    }

    private static async Task<double> VersionAsync(Build build)
    {
        var (code, output, elapsed) = await RunToExitAsync(build.Exe, ["--version"], build.Workspace!.Directory);
        return code == 0 ? elapsed : throw new InvalidOperationException($"{build.Name}: `--version` exited with {code}:\n{output}");
    }

    private static async Task<double> ListAsync(Build build)
    {
        var (code, output, elapsed) = await RunToExitAsync(build.Exe, ["session", "list"], build.Workspace!.Directory);
        return code == 0 ? elapsed : throw new InvalidOperationException($"{build.Name}: `session list` exited with {code}:\n{output}");
    }

    // `session list -v`, apart from the timed one: the connect time the CLI measured itself (null for a CLI that does not print it).
    private static async Task<double?> ConnectAsync(Build build)
    {
        var (code, output, _) = await RunToExitAsync(build.Exe, ["session", "list", "-v"], build.Workspace!.Directory);
        if (code != 0)
        {
            throw new InvalidOperationException($"{build.Name}: `session list -v` exited with {code}:\n{output}");
        }

        var match = ConnectLine().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    // `attach ID`: start → the first history line on stdout ("  > …" or "  < …" under "Recent:"); then stdin is closed
    // (Ctrl-D: detach), and the process killed if it has not exited within the timeout.
    private static async Task<double> AttachAsync(Build build)
    {
        var start = ChildProcess.StartInfo(build.Exe, ["attach", build.SessionId!], build.Workspace!.Directory);
        var startedAt = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {build.Exe}");
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(CommandTimeout);
        using var kill = limit.Token.Register(() => Kill(process));
        var seen = new StringBuilder();
        double? first = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var plain = Ansi().Replace(line, string.Empty);
            seen.AppendLine(plain);
            if (plain.StartsWith("  > ", StringComparison.Ordinal) || plain.StartsWith("  < ", StringComparison.Ordinal))
            {
                first = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
                break;
            }
        }

        process.StandardInput.Close();
        var rest = process.StandardOutput.ReadToEndAsync();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                await process.WaitForExitAsync();
            }
        }

        await rest;
        return first ?? throw new InvalidOperationException(
            $"{build.Name}: `attach {build.SessionId}` printed no history line (exit code {process.ExitCode}):\n{seen}{await stderr}");
    }

    /// <summary>Start → exit of a command, its exit code and its output (stdout then stderr); stdin at end of file.</summary>
    private static async Task<(int ExitCode, string Output, double Milliseconds)> RunToExitAsync(string exe, IEnumerable<string> args, string directory)
    {
        var start = ChildProcess.StartInfo(exe, args, directory);
        var startedAt = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {exe}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(CommandTimeout);
        using var kill = limit.Token.Register(() => Kill(process));
        await process.WaitForExitAsync();
        var elapsed = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
        var output = await stdout + await stderr;
        return limit.IsCancellationRequested
            ? throw new TimeoutException($"{exe} {string.Join(' ', start.ArgumentList)} did not exit within {CommandTimeout.TotalSeconds:0} s:\n{output}")
            : (process.ExitCode, output, elapsed);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void Print(List<Build> builds, int sessions, int exchanges, int runs)
    {
        var report = new BenchReport();
        var current = builds[0];
        var before = builds.Count > 1 ? builds[1] : null;
        var versionMedian = Stats.Median(current.Version);
        report.Add("version", "`duragent --version`: start → exit (baseline)", Figure(current.Version), "", "", "",
            before is null ? "" : Figure(before.Version));
        report.Add("session-list", string.Create(CultureInfo.InvariantCulture, $"`session list` ({sessions} sessions): start → exit"),
            Figure(current.List), Stats.F(versionMedian, "0") + " ms", Added(current.List, current.Version), "",
            before is null ? "" : $"{Figure(before.List)}, {Added(before.List, before.Version)}");
        report.Add("attach", string.Create(CultureInfo.InvariantCulture, $"`attach ID` ({2 * exchanges} messages): start → first history line"),
            Figure(current.Attach), Stats.F(versionMedian, "0") + " ms", Added(current.Attach, current.Version), "",
            before is null ? "" : $"{Figure(before.Attach)}, {Added(before.Attach, before.Version)}");
        if (current.Connect.Count > 0)
        {
            var connect = Stats.Median(current.Connect);
            report.Add("connect", "Orleans connect (`session list -v`, as the CLI measures it)", Figure(current.Connect), "", "",
                $"≤ 250 ms: {(connect <= 250 ? "met" : "not met")}");
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CLI commands against a warm server, {runs} runs each; median (p90) ms; added = median − the same build's `--version` median:"));
        var title = before is null ? "" : $" {before.Name}: median (p90), added |";
        Console.WriteLine($"| Figure | current: median (p90) | baseline `--version` | added | target |{title}");
        Console.WriteLine(before is null ? "|---|---|---|---|---|" : "|---|---|---|---|---|---|");
        foreach (var row in report.Rows)
        {
            Console.WriteLine($"| {row.Figure} | {row.Measured} | {row.Baseline} | {row.Ratio} | {row.Target} |{(before is null ? "" : $" {row.Before} |")}");
        }

        if (before is not null)
        {
            Console.WriteLine();
            Console.WriteLine("current − before (medians; the process start cancels out):");
            Console.WriteLine($"  --version      {Delta(current.Version, before.Version)}");
            Console.WriteLine($"  session list   {Delta(current.List, before.List)}   (added: {Delta(AddedRuns(current), AddedRuns(before))})");
            Console.WriteLine($"  attach         {Delta(current.Attach, before.Attach)}");
        }

        static string Delta(List<double> a, List<double> b) => Signed(Stats.Median(a) - Stats.Median(b));

        static List<double> AddedRuns(Build build) => build.List.Select(v => v - Stats.Median(build.Version)).ToList();
    }

    private static string Figure(List<double> values) =>
        values.Count == 0 ? "—" : $"{Stats.F(Stats.Median(values), "0")} ({Stats.F(Stats.Percentile(values.Order().ToArray(), 90), "0")}) ms";

    private static string Added(List<double> values, List<double> baseline) => Signed(Stats.Median(values) - Stats.Median(baseline));

    private static string Signed(double milliseconds) => (milliseconds >= 0 ? "+" : "−") + Stats.F(Math.Abs(milliseconds), "0") + " ms";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    [GeneratedRegex(@"connected to the silo .* in (\d+) ms")]
    private static partial Regex ConnectLine();

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();

    private sealed class Build(string name, string exe)
    {
        public string Name { get; } = name;

        public string Exe { get; } = exe;

        public string Folder => Name.Split(' ')[0];

        public BenchWorkspace? Workspace { get; set; }

        public ChildProcess? Server { get; set; }

        public string? SessionId { get; set; }

        public List<double> Version { get; } = [];

        public List<double> List { get; } = [];

        public List<double> Attach { get; } = [];

        public List<double> Connect { get; } = [];
    }
}
