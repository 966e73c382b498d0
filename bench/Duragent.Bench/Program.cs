// Duragent benchmarks. Each subcommand prints its figures as ratios against baselines measured in the same run.
//
//   dotnet run -c Release --project bench/Duragent.Bench -- <benchmark> [options]
//   dotnet run -c Release --project bench/Duragent.Bench -- --help
using Duragent.Bench;

IBenchmark[] benchmarks =
[
    new StorageBenchmark(), new RuntimeBenchmark(), new FootprintBenchmark(), new SseLatencyBenchmark(), new WriteAmplificationBenchmark(), new ResumeBenchmark(),
    new OrleansMoveBenchmark(), new CliBenchmark(), new ScheduleBenchmark(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: Duragent.Bench <benchmark> [options]\n\nbenchmarks:");
    foreach (var benchmark in benchmarks)
    {
        Console.WriteLine($"  {benchmark.Name,-10} {benchmark.Description}");
    }

    return args.Length == 0 ? 2 : 0;
}

var chosen = benchmarks.FirstOrDefault(b => b.Name == args[0]);
if (chosen is null)
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'; known: {string.Join(", ", benchmarks.Select(b => b.Name))}");
    return 2;
}

return await chosen.RunAsync(args[1..]);
