namespace Duragent.Runtime;

/// <summary>
/// The method promises not to change grain state. Read-only calls may interleave with other read-only calls,
/// but wait behind a running call that is not read-only.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>
/// The method may interleave with any other call, including a running write turn. Turns still never run in
/// parallel: an interleaving call runs between the awaits of the running call, on the activation's scheduler.
/// Use for queries that read immutable state (status, history, live-stream subscription).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Overrides the caller-side response timeout for one grain method.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ResponseTimeoutAttribute(double seconds) : Attribute
{
    public TimeSpan Timeout { get; } = seconds <= 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
}
