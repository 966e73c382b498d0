using System.Text.Json;

namespace Duragent.Tools;

/// <summary>
/// The built-in <c>bash</c> tool: runs a command line with <c>bash -c</c> in the agent's directory, with a time limit
/// and an output cap. Not idempotent unless the agent says so: after a crash in the middle of a call it is never run
/// again.
/// </summary>
public sealed class BashTool(ProcessRunner runner, TimeSpan timeout, int outputCapBytes = ProcessRunner.DefaultOutputCapBytes, bool idempotent = false) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "command": { "type": "string", "description": "The command line to run with bash -c." }
          },
          "required": ["command"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public string Name => "bash";

    public string Kind => "bash";

    public string Description =>
        $"Run a shell command with bash -c in the agent's directory and return its output (stdout, then stderr). " +
        $"Commands are stopped after {timeout.TotalSeconds:0} seconds; output beyond {outputCapBytes / 1024} KB is cut. " +
        "Do not start long-running servers or interactive programs.";

    public JsonElement ParametersSchema => Schema;

    public bool Idempotent => idempotent;

    public string DescribeInvocation(JsonElement arguments) =>
        TryGetCommand(arguments, out var command) ? command : string.Empty;

    public async Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TryGetCommand(arguments, out var command) || string.IsNullOrWhiteSpace(command))
        {
            return ToolResult.Failure("The bash tool needs a non-empty string argument 'command'.");
        }

        return await runner.RunAsync(command, context.WorkingDirectory, timeout, outputCapBytes, environment: null, cancellationToken);
    }

    private static bool TryGetCommand(JsonElement arguments, out string command)
    {
        var value = ToolArguments.String(arguments, "command");
        command = value ?? string.Empty;
        return value is not null;
    }
}
