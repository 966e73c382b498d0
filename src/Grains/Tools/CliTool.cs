using System.Text.Json;

namespace Duragent.Tools;

/// <summary>
/// A command-line tool declared in <c>agent.yaml</c> (<c>type: cli</c>): the model passes one string of arguments,
/// and the tool runs <c>&lt;command&gt; &lt;args&gt;</c> with bash in the agent's directory.
/// </summary>
/// <remarks>
/// The policy sees <c>&lt;name&gt; &lt;args&gt;</c> (<see cref="DescribeInvocation"/>): the arguments reach bash, so they are
/// parsed and matched like a bash command line, and <c>cli:report</c> allows the tool with no arguments only.
/// </remarks>
public sealed class CliTool(
    string name,
    string command,
    string description,
    bool idempotent,
    ProcessRunner runner,
    TimeSpan timeout,
    int outputCapBytes = ProcessRunner.DefaultOutputCapBytes) : ITool
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "args": { "type": "string", "description": "Arguments appended to the command line." }
          },
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public string Name => name;

    public string Kind => "cli";

    public string Description => description;

    public JsonElement ParametersSchema => Schema;

    public bool Idempotent => idempotent;

    public string DescribeInvocation(JsonElement arguments) =>
        Arguments(arguments) is { } args && !string.IsNullOrWhiteSpace(args) ? $"{name} {args}" : name;

    public Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = Arguments(arguments);
        var line = string.IsNullOrWhiteSpace(args) ? command : $"{command} {args}";
        return runner.RunAsync(line, context.WorkingDirectory, timeout, outputCapBytes, environment: null, cancellationToken);
    }

    private static string? Arguments(JsonElement arguments) => ToolArguments.String(arguments, "args");
}
