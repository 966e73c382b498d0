using System.Text.Json;

namespace Duragent.Tools;

/// <summary>A tool the model can call.</summary>
public interface ITool
{
    /// <summary>The name the model uses.</summary>
    string Name { get; }

    /// <summary>The kind used in policy patterns: <c>bash</c>, <c>builtin</c>, <c>cli</c>, <c>mcp</c>.</summary>
    string Kind { get; }

    /// <summary>What the model is told about the tool.</summary>
    string Description { get; }

    /// <summary>The JSON Schema of the arguments.</summary>
    JsonElement ParametersSchema { get; }

    /// <summary>
    /// True when running the same call twice has the same effect as once. After a crash in the middle of a call,
    /// only idempotent tools are run again; the others are recorded as interrupted.
    /// </summary>
    bool Idempotent { get; }

    /// <summary>The string policy patterns are matched against (e.g. the bash command line).</summary>
    string DescribeInvocation(JsonElement arguments);

    /// <summary>Runs the call. Errors of the call itself are results (<see cref="ToolResult.Failure"/>), not exceptions.</summary>
    Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken);
}
