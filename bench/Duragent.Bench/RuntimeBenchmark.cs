namespace Duragent.Bench;

/// <summary>The <c>runtime</c> subcommand: grain call, activation and idle-activation costs (see <see cref="RuntimeBench"/>).</summary>
internal sealed class RuntimeBenchmark : IBenchmark
{
    public string Name => "runtime";

    public string Description => "grain calls and activations against an interface call and a thread-pool hop";

    public Task<int> RunAsync(string[] args) => RuntimeBench.RunAsync();
}
