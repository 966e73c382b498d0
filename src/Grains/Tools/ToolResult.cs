using Duragent.Sessions.Events;

namespace Duragent.Tools;

/// <summary>The outcome of a tool call as the model will see it.</summary>
/// <param name="Outcome">How the call ended.</param>
/// <param name="Content">The text for the model (already capped).</param>
/// <param name="ExitCode">The process exit code, for process tools.</param>
/// <param name="Truncated">True when <paramref name="Content"/> was cut to the output cap.</param>
public sealed record ToolResult(ToolOutcome Outcome, string Content, int? ExitCode = null, bool Truncated = false)
{
    /// <summary>A successful result.</summary>
    public static ToolResult Success(string content) => new(ToolOutcome.Ok, content);

    /// <summary>A failed call (bad arguments, tool error).</summary>
    public static ToolResult Failure(string content) => new(ToolOutcome.Error, content);
}
