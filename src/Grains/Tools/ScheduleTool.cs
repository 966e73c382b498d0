using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duragent.Schedules;
using Duragent.Sessions;

namespace Duragent.Tools;

/// <summary>
/// The built-in <c>schedule</c> tool: the agent creates, lists and cancels its own schedules (never another agent's).
/// Policy sees each call as <c>schedule:create</c>, <c>schedule:list</c> or <c>schedule:cancel</c> (kind <c>builtin</c>).
/// Idempotent: a create made again after a crash reuses the schedule id derived from the session and the call id.
/// </summary>
public sealed class ScheduleTool(IGrainFactory grains) : ITool
{
    /// <summary>The most schedules one agent may hold through this tool: 100.</summary>
    public const int MaxSchedulesPerAgent = 100;

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "action": { "type": "string", "enum": ["create", "list", "cancel"] },
            "text": { "type": "string", "description": "create: the message (or task) delivered at each slot." },
            "at": { "type": "string", "description": "create, one-shot: RFC 3339 time with offset, or a delay such as 'in 20m'." },
            "every": { "type": "string", "description": "create, interval: e.g. '30m', '1h30m', '1d'." },
            "cron": { "type": "string", "description": "create: 5-field (or 6-field with seconds) cron expression." },
            "time_zone": { "type": "string", "description": "create: IANA time zone of the cron expression (default UTC)." },
            "payload": { "type": "string", "enum": ["message", "task"], "description": "create: 'message' (default) or 'task' (the text starts a turn)." },
            "target": { "type": "string", "enum": ["this_session", "new_session"], "description": "create: deliver into this session (default) or a fresh session per run." },
            "description": { "type": "string" },
            "id": { "type": "string", "description": "cancel: the schedule id." }
          },
          "required": ["action"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public string Name => Agents.BuiltinToolNames.Schedule;

    public string Kind => "builtin";

    public string Description =>
        "Create, list and cancel your own schedules. A schedule delivers a message (or a task) to this session or to a " +
        "fresh session: once (at), at an interval (every) or on a cron expression (cron, with time_zone). " +
        "Use it for reminders and recurring work; list before creating a duplicate.";

    public JsonElement ParametersSchema => Schema;

    public bool Idempotent => true;

    public string DescribeInvocation(JsonElement arguments) =>
        $"{Name}:{(ToolArguments.String(arguments, "action") is { } action && action.Length <= 20 ? action : "?")}";

    public async Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return ToolArguments.String(arguments, "action") switch
            {
                "create" => await CreateAsync(arguments, context),
                "list" => await ListAsync(context),
                "cancel" => await CancelAsync(arguments, context),
                _ => ToolResult.Failure("The schedule tool needs 'action': create, list or cancel."),
            };
        }
        catch (ScheduleException ex)
        {
            return ToolResult.Failure(ex.Message);
        }
        catch (SessionException ex)
        {
            return ToolResult.Failure(ex.Message);
        }
    }

    private async Task<ToolResult> CreateAsync(JsonElement arguments, ToolContext context)
    {
        var payload = ToolArguments.String(arguments, "payload") switch
        {
            null or "message" => SchedulePayload.Message,
            "task" => SchedulePayload.Task,
            var other => throw new ScheduleInvalidException("payload", $"'{other}' is not message or task"),
        };
        var session = ToolArguments.String(arguments, "target") switch
        {
            null or "this_session" => context.SessionId,
            "new_session" => null,
            var other => throw new ScheduleInvalidException("target", $"'{other}' is not this_session or new_session"),
        };
        var spec = new ScheduleSpec(
            context.AgentName,
            ToolArguments.String(arguments, "text") ?? string.Empty,
            payload,
            ToolArguments.String(arguments, "at"),
            ToolArguments.String(arguments, "every"),
            ToolArguments.String(arguments, "cron"),
            ToolArguments.String(arguments, "time_zone"),
            Session: session,
            Description: ToolArguments.String(arguments, "description"),
            Source: "tool");

        // The id comes from the call: running the same call again after a crash finds the schedule it created.
        var id = "sched-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(context.SessionId + "/" + context.CallId)))[..26];
        var grain = grains.GetGrain<IScheduleGrain>(id);
        var info = await grain.GetAsync();
        if (info is null)
        {
            var existing = await ScheduleListing.ListAsync(grains, context.AgentName);
            if (existing.Count >= MaxSchedulesPerAgent)
            {
                return ToolResult.Failure($"This agent already has {existing.Count} schedules (the most allowed is {MaxSchedulesPerAgent}); cancel some first.");
            }

            info = await grain.CreateAsync(spec);
        }

        return ToolResult.Success($"Created schedule {info.ScheduleId} ({Describe(info)}).");
    }

    private async Task<ToolResult> ListAsync(ToolContext context)
    {
        var schedules = await ScheduleListing.ListAsync(grains, context.AgentName);
        if (schedules.Count == 0)
        {
            return ToolResult.Success("You have no schedules.");
        }

        var text = new StringBuilder();
        foreach (var s in schedules)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {s.ScheduleId}: {Describe(s)}; text: {Cut(s.Spec.Text)}\n");
        }

        return ToolResult.Success(text.ToString());
    }

    private async Task<ToolResult> CancelAsync(JsonElement arguments, ToolContext context)
    {
        var id = ToolArguments.String(arguments, "id");
        if (!GrainKey.IsValid(id))
        {
            return ToolResult.Failure("The schedule tool needs 'id' (from action list) to cancel a schedule.");
        }

        var grain = grains.GetGrain<IScheduleGrain>(id);

        // Another agent's schedule reads as missing: an agent neither sees nor touches schedules it does not own.
        if (await grain.GetAsync() is not { } info || info.Spec.Agent != context.AgentName)
        {
            return ToolResult.Failure($"You have no schedule '{id}'.");
        }

        await grain.DeleteAsync();
        return ToolResult.Success($"Cancelled schedule {id}.");
    }

    private static string Describe(ScheduleInfo s)
    {
        var when = s.Kind switch
        {
            "at" => "at " + s.Spec.At,
            "every" => "every " + s.Spec.Every,
            _ => $"cron '{s.Spec.Cron}' {s.Spec.TimeZone ?? "UTC"}",
        };
        var next = s.Paused ? "paused" : s.NextRunAt is { } n ? "next " + n.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "done";
        var target = s.Spec.Session is null ? "new session per run" : "session " + s.Spec.Session;
        return $"{s.Spec.Payload.ToString().ToLowerInvariant()} {when}, {next}, {target}";
    }

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
