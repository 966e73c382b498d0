namespace Duragent.Bench;

/// <summary>One subcommand of the benchmark tool.</summary>
public interface IBenchmark
{
    /// <summary>The subcommand, e.g. <c>storage</c>.</summary>
    string Name { get; }

    /// <summary>One line for the help text.</summary>
    string Description { get; }

    /// <summary>Runs with the arguments after the subcommand; returns the exit code.</summary>
    Task<int> RunAsync(string[] args);
}
