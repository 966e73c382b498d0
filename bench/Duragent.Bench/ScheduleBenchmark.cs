using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Duragent.Bench.Processes;
using Duragent.Configuration;
using Duragent.FakeLlm;
using Duragent.Hosting;
using Duragent.Schedules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Bench;

/// <summary>
/// The <c>schedules</c> subcommand: N schedules (10,000 by default) due at the same instant on one silo (the project's
/// hosting, <c>AddDuragentNode</c>, file storage with fsync, a fake LLM answering each fresh session), against a baseline
/// measured first in the same process: N bare grains, each with one Orleans grain timer due at one instant.
/// Figures: fire lag (the schedule's run started: the slot's timer ran and the run was recorded; and the message
/// durable in its session) at p50/p99/max, the time until every slot has fired, and memory (RSS and managed heap)
/// per armed schedule and per armed timer grain.
/// </summary>
internal sealed class ScheduleBenchmark : IBenchmark
{
    public string Name => "schedules";

    public string Description => "N schedules due in the same minute: fire lag p50/p99 and memory, against bare grain timers";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var count = options.GetInt("count", 10_000);
        var perAgent = options.GetInt("per-agent", 100);
        var margin = TimeSpan.FromSeconds(options.GetInt("margin", 20));
        var root = Path.Combine(Path.GetTempPath(), "duragent-bench-schedules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
            llm.Fallback = _ => FakeResponse.Text("ok");
            var bench = BenchWorkspace.Create(root, llm.OpenAiBaseUrl);
            var agents = CopyAgent(bench, (count + perAgent - 1) / perAgent);
            var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(bench.ConfigFile).Config);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.AddDuragentNode(workspace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            using var host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var management = grains.GetGrain<IManagementGrain>(0);

            // Warm-up: both paths once, so JIT and first activations are not in the figures.
            await grains.GetGrain<ITimerBenchGrain>("warm").ArmAsync(DateTimeOffset.UtcNow.AddMilliseconds(50));
            await grains.GetGrain<IScheduleGrain>("warm").CreateAsync(new ScheduleSpec(BenchWorkspace.AgentName, "warm-up", At: "in 1s"));
            await Task.Delay(3000);
            var idle = Memory.Take();

            // Baseline: bare grain timers.
            TimerBenchGrain.Fired.Clear();
            var armWatch = Stopwatch.StartNew();
            var timerSlot = NextSlot(DateTimeOffset.UtcNow + margin);
            await ForAllAsync(count, i => grains.GetGrain<ITimerBenchGrain>($"t{i}").ArmAsync(timerSlot));
            var timerArm = armWatch.Elapsed;
            var timersArmed = Memory.Take();
            await WaitUntilAsync(timerSlot, () => TimerBenchGrain.Fired.Count >= count, TimeSpan.FromMinutes(5));
            var timerLags = TimerBenchGrain.Fired.Select(f => (f - timerSlot).TotalMilliseconds).Order().ToArray();
            await management.ForceActivationCollection(TimeSpan.Zero);
            await Task.Delay(2000);
            var afterTimers = Memory.Take();

            // The schedules: one-shot `at` on the same instant, a message into a fresh session per run.
            armWatch.Restart();
            var slot = NextSlot(DateTimeOffset.UtcNow + margin + EstimateCreation(count));
            var at = slot.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            await ForAllAsync(count, i => grains.GetGrain<IScheduleGrain>($"s{i}").CreateAsync(new ScheduleSpec(agents[i / perAgent], "ping", At: at)));
            var createTime = armWatch.Elapsed;
            if (DateTimeOffset.UtcNow > slot)
            {
                Console.Error.WriteLine($"creating the schedules took {createTime.TotalSeconds:0} s and ran past the slot; raise --margin");
                return 1;
            }

            var schedulesArmed = Memory.Take();
            var runs = new ScheduleRun?[count];
            await WaitUntilAsync(slot, async () =>
            {
                await ForAllAsync(count, async i => runs[i] ??= (await grains.GetGrain<IScheduleGrain>($"s{i}").GetAsync())?.LastRun is { Status: not ScheduleRunStatus.Running } run ? run : null);
                return runs.All(r => r is not null);
            }, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(3));
            var afterFire = Memory.Take();

            var finished = runs.OfType<ScheduleRun>().ToList();
            var startLags = finished.Where(r => r.StartedAt is not null).Select(r => (r.StartedAt!.Value - slot).TotalMilliseconds).Order().ToArray();
            var doneLags = finished.Where(r => r.Status == ScheduleRunStatus.Ok && r.FinishedAt is not null).Select(r => (r.FinishedAt!.Value - slot).TotalMilliseconds).Order().ToArray();
            var ok = finished.Count(r => r.Status == ScheduleRunStatus.Ok);
            var failures = finished.Where(r => r.Status != ScheduleRunStatus.Ok)
                .GroupBy(r => FailureKind(r.Detail)).OrderByDescending(g => g.Count()).Select(g => $"{g.Count():N0} × {g.Key}").ToList();

            Console.WriteLine($"{count:N0} due at the same instant on one silo ({agents.Count} agents, file storage with fsync); lag after the slot, ms");
            Console.WriteLine($"  {"",-44} {"p50",8} {"p99",8} {"max",8}");
            Row("grain timer fired (baseline)", timerLags);
            Row("schedule fired (its run started)", startLags);
            Row("message durable in its session (ok runs)", doneLags);
            Console.WriteLine($"  runs: {finished.Count:N0} finished, {ok:N0} ok{(failures.Count == 0 ? string.Empty : "; not ok: " + string.Join("; ", failures))}");
            Console.WriteLine($"  arming {count:N0} timers took {timerArm.TotalSeconds:0.0} s, creating {count:N0} schedules {createTime.TotalSeconds:0.0} s");
            Console.WriteLine("memory                                        RSS MiB   managed MiB");
            Console.WriteLine($"  idle silo (one schedule)                     {idle}");
            Console.WriteLine($"  {count:N0} timer grains armed                    {timersArmed}   = {timersArmed.PerItemOver(idle, count)}");
            Console.WriteLine($"  after collecting them                        {afterTimers}");
            Console.WriteLine($"  {count:N0} schedules armed                       {schedulesArmed}   = {schedulesArmed.PerItemOver(afterTimers, count)}");
            Console.WriteLine($"  after every slot fired ({count:N0} sessions)     {afterFire}");
            await host.StopAsync();
            return ok == count ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Leftovers in /tmp are harmless.
            }
        }
    }

    // "failed after 3 attempts; the last: TimeoutException: … SessionGrain].CreateAsync(…" → "TimeoutException in CreateAsync".
    private static string FailureKind(string? detail)
    {
        if (detail is null)
        {
            return "no detail";
        }

        var last = detail.IndexOf("the last: ", StringComparison.Ordinal) is var at and >= 0 ? detail[(at + 10)..] : detail;
        var type = last.Split(':', 2)[0];
        var call = System.Text.RegularExpressions.Regex.Match(last, @"\]\.(\w+Async)\(");
        return call.Success ? $"{type} in {call.Groups[1].Value}" : type.Length > 80 ? type[..80] : type;
    }

    // The bench agent, copied so that each agent holds perAgent schedules (as many schedules of one agent are not typical,
    // and each agent's schedule index is one grain that every create of that agent writes).
    private static List<string> CopyAgent(BenchWorkspace bench, int agents)
    {
        var source = Path.Combine(bench.StateDirectory, "agents", BenchWorkspace.AgentName);
        var yaml = File.ReadAllText(Path.Combine(source, "agent.yaml"));
        var names = new List<string> { BenchWorkspace.AgentName };
        for (var i = 1; i < agents; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{BenchWorkspace.AgentName}-{i}");
            var directory = Path.Combine(bench.StateDirectory, "agents", name);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "agent.yaml"), yaml.Replace($"name: {BenchWorkspace.AgentName}\n", $"name: {name}\n", StringComparison.Ordinal));
            names.Add(name);
        }

        return names;
    }

    // The slot: a whole second, so every schedule's `at` is the same instant.
    private static DateTimeOffset NextSlot(DateTimeOffset notBefore) =>
        new(notBefore.UtcTicks - (notBefore.UtcTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, TimeSpan.Zero);

    // Creating a schedule writes its index entry, its state and its reminder with fsync: about 15 ms each on a loaded
    // 2-core machine with 256 in flight (measured with 500). Twice that, so that every create ends before the slot.
    private static TimeSpan EstimateCreation(int count) => TimeSpan.FromMilliseconds(Math.Max(30_000, count * 30.0));

    private static async Task ForAllAsync(int count, Func<int, Task> action, int parallel = 256)
    {
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await action(i);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task WaitUntilAsync(DateTimeOffset slot, Func<bool> done, TimeSpan limit) =>
        await WaitUntilAsync(slot, () => Task.FromResult(done()), limit, TimeSpan.FromMilliseconds(200));

    // Polls from the slot on (the schedules' poll asks only the grains not finished yet, so it adds little load).
    private static async Task WaitUntilAsync(DateTimeOffset slot, Func<Task<bool>> done, TimeSpan limit, TimeSpan poll)
    {
        var wait = slot - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"not every slot fired within {limit.TotalMinutes:0} min of the slot");
            }

            await Task.Delay(poll);
        }
    }

    private static void Row(string what, double[] sorted) =>
        Console.WriteLine($"  {what,-44} {Stats.F(Stats.Percentile(sorted, 50), "0"),8} {Stats.F(Stats.Percentile(sorted, 99), "0"),8} {Stats.F(sorted.Length == 0 ? double.NaN : sorted[^1], "0"),8}");

    private readonly record struct Memory(long Rss, long Managed)
    {
        public static Memory Take()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var managed = GC.GetTotalMemory(forceFullCollection: true);
            using var self = Process.GetCurrentProcess();
            return new Memory(self.WorkingSet64, managed);
        }

        public string PerItemOver(Memory baseline, int count) => string.Create(CultureInfo.InvariantCulture,
            $"{(Rss - baseline.Rss) / (double)count / 1024:0.0} KiB RSS, {(Managed - baseline.Managed) / (double)count / 1024:0.0} KiB managed each");

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rss / 1048576.0,8:0.0}   {Managed / 1048576.0,10:0.0}");
    }
}

/// <summary>The baseline of the <c>schedules</c> benchmark: a grain that arms one Orleans grain timer and notes when it fires.</summary>
[Alias("duragent.bench-timer")]
public interface ITimerBenchGrain : IGrainWithStringKey
{
    Task ArmAsync(DateTimeOffset due);
}

[GrainType("bench-timer")]
public sealed class TimerBenchGrain : Grain, ITimerBenchGrain
{
    /// <summary>When each armed timer fired.</summary>
    public static readonly ConcurrentQueue<DateTimeOffset> Fired = new();

    private IGrainTimer? _timer;

    public Task ArmAsync(DateTimeOffset due)
    {
        var wait = due - DateTimeOffset.UtcNow;
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(() =>
        {
            Fired.Enqueue(DateTimeOffset.UtcNow);
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        return Task.CompletedTask;
    }
}
