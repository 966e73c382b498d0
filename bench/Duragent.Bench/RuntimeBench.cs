using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Duragent.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Bench;

/// <summary>
/// Grain runtime costs against same-run baselines: a grain call against an interface call and a thread-pool hop,
/// activations, and the memory an idle activation keeps. Run: <c>dotnet run -c Release --project bench/Duragent.Bench -- runtime</c>.
/// </summary>
internal static class RuntimeBench
{
    private const int SequentialCalls = 200_000;
    private const int IdleGrains = 10_000;

    public static async Task<int> RunAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        builder.Logging.QuietOrleansLogs();
        using var host = builder.Build();
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IGrainFactory>();

        IBenchGrain plain = new BenchGrain();
        var interfaceCall = await TimeAsync(SequentialCalls, _ => plain.PingAsync(1));
        var poolHop = await TimeAsync(SequentialCalls, _ => Task.Run(static () => 1));
        var grain = factory.GetGrain<IBenchGrain>("hot");
        var grainCall = await TimeAsync(SequentialCalls, _ => grain.PingAsync(1));
        var getGrain = await TimeAsync(SequentialCalls, i => Task.FromResult(factory.GetGrain<IBenchGrain>("ref")));

        var grains = Enumerable.Range(0, 100).Select(i => factory.GetGrain<IBenchGrain>($"par-{i}")).ToArray();
        await Task.WhenAll(grains.Select(g => g.PingAsync(0)));
        var parallel = Stopwatch.StartNew();
        await Task.WhenAll(grains.Select(async g =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                await g.PingAsync(i);
            }
        }));
        parallel.Stop();
        var parallelCalls = grains.Length * 2_000;

        var before = Memory();
        var activate = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, IdleGrains).Select(i => factory.GetGrain<IBenchGrain>($"idle-{i}").PingAsync(i)));
        activate.Stop();
        var perActivation = (Memory() - before) / (double)IdleGrains;

        Console.WriteLine($"grain runtime ({Environment.ProcessorCount} cores, {SequentialCalls:N0} sequential calls)");
        Console.WriteLine($"  interface call (baseline)      {interfaceCall,10:N0} ns");
        Console.WriteLine($"  thread-pool hop (baseline)     {poolHop,10:N0} ns");
        Console.WriteLine($"  grain call, one grain          {grainCall,10:N0} ns   = {grainCall / poolHop:N1} x thread-pool hop");
        Console.WriteLine($"  GetGrain (new reference)       {getGrain,10:N0} ns");
        Console.WriteLine($"  grain calls, 100 grains        {parallelCalls / parallel.Elapsed.TotalSeconds,10:N0} calls/s");
        Console.WriteLine($"  activation (10,000 in parallel){activate.Elapsed.TotalMicroseconds / IdleGrains,10:N1} us each");
        Console.WriteLine($"  idle activation                {perActivation,10:N0} bytes each (grain instance included)");
        await host.StopAsync();
        return 0;
    }

    private static async Task<double> TimeAsync<T>(int count, Func<int, Task<T>> operation)
    {
        for (var i = 0; i < count / 10; i++)
        {
            await operation(i);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await operation(i);
        }

        return watch.Elapsed.TotalNanoseconds / count;
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

[Alias("duragent.bench")]
public interface IBenchGrain : IGrainWithStringKey
{
    Task<int> PingAsync(int n);
}

[GrainType("bench")]
public sealed class BenchGrain : Grain, IBenchGrain
{
    public Task<int> PingAsync(int n) => Task.FromResult(n + 1);
}
