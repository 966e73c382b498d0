using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Gateway.Http.Json;
using Duragent.Schedules;

namespace Duragent.Cli.Commands;

/// <summary>
/// <c>duragent schedule add|list|show|pause|resume|rm|run|history</c>: the schedule grains through the Orleans client.
/// The options of <c>add</c> mirror the HTTP create body. A bad schedule is a usage error (exit 2) naming the option; it
/// is checked before connecting, so no server is started for it, and the grain checks it again. One file, longer than
/// most: the eight subcommands share their options, output helpers and error mapping, and read as one story.
/// </summary>
internal static class ScheduleCommand
{
    /// <summary>The default of <c>history --limit</c>: 20.</summary>
    public const int DefaultHistoryLimit = 20;

    private const int ShowRecentRuns = 5;

    // ScheduleInvalidException names the field as in JSON and YAML; the CLI names its option.
    private static readonly Dictionary<string, string> OptionOfField = new(StringComparer.Ordinal)
    {
        ["agent"] = "--agent",
        ["text"] = "--message/--task",
        ["at"] = "--at",
        ["every"] = "--every",
        ["cron"] = "--cron",
        ["time_zone"] = "--tz",
        ["anchor"] = "--anchor",
        ["session"] = "--session",
        ["grace"] = "--grace",
        ["max_concurrent"] = "--max-concurrent",
        ["max_attempts"] = "--max-attempts",
        ["description"] = "--description",
    };

    public static Command Create(CommandBinder binder)
    {
        var command = new Command("schedule", "Create, list, inspect, pause, resume, delete and run schedules");
        command.Add(CreateAdd(binder));
        command.Add(CreateList(binder));
        command.Add(CreateShow(binder));
        command.Add(CreateSetPaused(binder, "pause", "Stop firing; slots that pass while paused are not caught up", paused: true));
        command.Add(CreateSetPaused(binder, "resume", "Fire again from the next slot after now", paused: false));
        command.Add(CreateRemove(binder));
        command.Add(CreateRun(binder));
        command.Add(CreateHistory(binder));
        return command;
    }

    private static Command CreateAdd(CommandBinder binder)
    {
        var at = new Option<string?>("--at") { Description = "One-shot: an RFC 3339 time (2026-12-24T18:00:00+01:00) or a delay (in 20m)", HelpName = "TIME" };
        var every = new Option<string?>("--every") { Description = "Interval: 30s, 15m, 1h30m, 2d (at least 1s)", HelpName = "DURATION" };
        var cron = new Option<string?>("--cron") { Description = "Cron: 5 fields (minute first) or 6 (seconds first), in --tz", HelpName = "EXPR" };
        var tz = new Option<string?>("--tz", "--time-zone") { Description = "IANA time zone of --cron (and of an --at without offset); default UTC", HelpName = "ZONE" };
        var anchor = new Option<string?>("--anchor") { Description = "The first slot of --every (RFC 3339); default now", HelpName = "TIME" };
        var message = new Option<string?>("--message", "-m") { Description = "Deliver TEXT as a user message to the session", HelpName = "TEXT" };
        var task = new Option<string?>("--task", "-t") { Description = "Run the agent loop on TEXT in the session (the run ends with the turn)", HelpName = "TEXT" };
        var agent = new Option<string?>("--agent", "-a") { Description = "The agent the schedule runs for (default: --session's agent, or the only agent)", HelpName = "NAME" };
        var session = new Option<string?>("--session") { Description = "Deliver to this session (created by the first run if it does not exist); default: a fresh session per run", HelpName = "ID" };
        var id = new Option<string?>("--id") { Description = "The schedule id (default sched_<ULID>)", HelpName = "ID" };
        var catchUp = new Option<string>("--catch-up") { Description = "Slots missed while down: once (the latest, within --grace) or skip", DefaultValueFactory = _ => "once", HelpName = "POLICY" };
        catchUp.AcceptOnlyFromAmong("once", "skip");
        var grace = new Option<string?>("--grace") { Description = "How late a missed slot may still fire under --catch-up once (default 1h)", HelpName = "DURATION" };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Runs of this schedule at the same time (1-16)", DefaultValueFactory = _ => 1, HelpName = "N" };
        var onBusy = new Option<string>("--on-busy") { Description = "A slot that finds --max-concurrent runs: wait or skip", DefaultValueFactory = _ => "wait", HelpName = "POLICY" };
        onBusy.AcceptOnlyFromAmong("wait", "skip");
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Attempts per run (1-10)", DefaultValueFactory = _ => 3, HelpName = "N" };
        var description = new Option<string?>("--description") { Description = "Free text, shown as the sender of delivered messages", HelpName = "TEXT" };
        var json = JsonOption();
        var command = new Command("add", "Create a schedule: exactly one of --at/--every/--cron, and one of --message/--task")
        {
            at, every, cron, tz, anchor, message, task, agent, session, id, catchUp, grace, maxConcurrent, onBusy, maxAttempts, description, json,
        };
        command.Validators.Add(result =>
        {
            ExactlyOne(result, "a timing", at, every, cron);
            ExactlyOne(result, "a payload", message, task);
        });
        binder.Bind(command, async (context, cancellationToken) =>
        {
            var scheduleId = context.GetValue(id);
            if (scheduleId is not null && GrainKey.Check(scheduleId) is { } idProblem)
            {
                throw new CliException($"--id: '{scheduleId}' is not a valid schedule id: {idProblem}.", ExitCodes.Usage);
            }

            var isTask = context.GetValue(task) is not null;
            var agentName = context.GetValue(agent);
            var spec = new ScheduleSpec(
                agentName ?? "placeholder",
                (isTask ? context.GetValue(task) : context.GetValue(message))!,
                isTask ? SchedulePayload.Task : SchedulePayload.Message,
                context.GetValue(at),
                context.GetValue(every),
                context.GetValue(cron),
                context.GetValue(tz),
                ParseAnchor(context.GetValue(anchor)),
                context.GetValue(session),
                context.GetValue(catchUp) == "skip" ? CatchUpPolicy.Skip : CatchUpPolicy.Once,
                context.GetValue(grace),
                context.GetValue(maxConcurrent),
                context.GetValue(onBusy) == "skip" ? BusyPolicy.Skip : BusyPolicy.Wait,
                context.GetValue(maxAttempts),
                context.GetValue(description),
                DuragentClient.ScheduleSource);

            // Checked here first, so a typo never starts a server; the grain checks again against its own clock.
            CheckLocally(spec);

            await using var connection = await context.ConnectAsync(cancellationToken);
            var client = connection.Client;
            agentName ??= await PickAgentAsync(client, spec.Session, cancellationToken);
            var info = await InvalidAsUsage(() => client.CreateScheduleAsync(scheduleId, spec with { Agent = agentName }, cancellationToken));
            if (context.GetValue(json))
            {
                WriteJson(context, info, GatewayJsonContext.Default.ScheduleInfo);
            }
            else
            {
                context.Console.Out.WriteLine($"Created schedule {info.ScheduleId}: {When(info)}, {Snake(info.Spec.Payload)} to {Target(info)} of agent {info.Spec.Agent}.");
                context.Console.Out.WriteLine($"Next run: {(info.NextRunAt is { } next ? Names.Time(next) : "none")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateList(CommandBinder binder)
    {
        var agent = new Option<string?>("--agent", "-a") { Description = "Only this agent's schedules", HelpName = "NAME" };
        var json = JsonOption();
        var command = new Command("list", "List the schedules, sorted by id") { agent, json };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            var agentName = context.GetValue(agent);
            if (agentName is not null)
            {
                AgentOptions.ValidateName(agentName);
            }

            await using var connection = await context.ConnectAsync(cancellationToken);
            var schedules = await connection.Client.ListSchedulesAsync(agentName, cancellationToken);
            if (context.GetValue(json))
            {
                WriteJson(context, new ScheduleList(schedules), GatewayJsonContext.Default.ScheduleList);
                return ExitCodes.Success;
            }

            if (schedules.Count == 0)
            {
                context.Console.Out.WriteLine(agentName is null ? "No schedules." : $"No schedules for agent {agentName}.");
                return ExitCodes.Success;
            }

            var table = new TextTable("ID", "AGENT", "WHEN", "PAYLOAD", "STATE", "NEXT RUN", "LAST RUN");
            foreach (var info in schedules)
            {
                table.AddRow(info.ScheduleId, info.Spec.Agent, When(info), Snake(info.Spec.Payload), State(info),
                    info.NextRunAt is { } next ? Names.Time(next) : "-", info.LastRun is { } last ? $"{Snake(last.Status)} {Names.Time(last.FinishedAt ?? last.StartedAt ?? last.Slot)}" : "-");
            }

            table.WriteTo(context.Console.Out);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow(CommandBinder binder)
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("show", "Show a schedule: its definition, state, next run and recent runs") { id, json };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var info = await connection.Client.GetScheduleAsync(context.GetValue(id)!, cancellationToken);
            if (context.GetValue(json))
            {
                WriteJson(context, info, GatewayJsonContext.Default.ScheduleInfo);
                return ExitCodes.Success;
            }

            var spec = info.Spec;
            var output = context.Console.Out;
            output.WriteLine($"Schedule:  {info.ScheduleId}");
            output.WriteLine($"Agent:     {spec.Agent}");
            output.WriteLine($"When:      {When(info)}" + (spec.Anchor is { } anchorTime ? $" from {Names.Time(anchorTime)}" : string.Empty));
            output.WriteLine($"Payload:   {Snake(spec.Payload)}: {Names.OneLine(spec.Text, 200)}");
            output.WriteLine($"Target:    {Target(info)}");
            output.WriteLine($"Catch-up:  {Snake(spec.CatchUp)}" + (spec.CatchUp == CatchUpPolicy.Once ? $" (grace {spec.Grace ?? "1h"})" : string.Empty));
            output.WriteLine($"Runs:      at most {spec.MaxConcurrent} at a time (on busy: {Snake(spec.OnBusy)}), {Names.Count(spec.MaxAttempts, "attempt")} each");
            output.WriteLine($"State:     {State(info)}");
            output.WriteLine($"Next run:  {(info.NextRunAt is { } next ? Names.Time(next) : "-")}");
            output.WriteLine($"Created:   {Names.Time(info.CreatedAt)} ({spec.Source ?? "unknown"})");
            output.WriteLine($"Updated:   {Names.Time(info.UpdatedAt)}");
            if (spec.Description is { } text)
            {
                output.WriteLine($"Description: {text}");
            }

            var runs = await connection.Client.GetScheduleRunsAsync(info.ScheduleId, ShowRecentRuns, cancellationToken);
            if (runs.Count > 0)
            {
                output.WriteLine();
                output.WriteLine("Recent runs:");
                foreach (var run in runs)
                {
                    output.WriteLine("  " + RunLine(run));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateSetPaused(CommandBinder binder, string name, string description, bool paused)
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command(name, description) { id, json };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var scheduleId = context.GetValue(id)!;
            var info = paused
                ? await connection.Client.PauseScheduleAsync(scheduleId, cancellationToken)
                : await connection.Client.ResumeScheduleAsync(scheduleId, cancellationToken);
            if (context.GetValue(json))
            {
                WriteJson(context, info, GatewayJsonContext.Default.ScheduleInfo);
            }
            else
            {
                context.Console.Out.WriteLine(paused
                    ? $"Paused schedule {info.ScheduleId}."
                    : $"Resumed schedule {info.ScheduleId}; next run: {(info.NextRunAt is { } next ? Names.Time(next) : "none")}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateRemove(CommandBinder binder)
    {
        var id = IdArgument();
        var command = new Command("rm", "Delete a schedule and its history (runs already delivered stay in their sessions)") { id };
        command.Aliases.Add("delete");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var scheduleId = context.GetValue(id)!;
            await connection.Client.DeleteScheduleAsync(scheduleId, cancellationToken);
            context.Console.Out.WriteLine($"Deleted schedule {scheduleId}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateRun(CommandBinder binder)
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("run", "Start a run now, outside the cadence (it counts toward --max-concurrent)") { id, json };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var scheduleId = context.GetValue(id)!;
            var run = await connection.Client.RunScheduleAsync(scheduleId, cancellationToken);
            if (context.GetValue(json))
            {
                WriteJson(context, run, GatewayJsonContext.Default.ScheduleRun);
            }
            else
            {
                context.Console.Out.WriteLine($"Started run {run.RunId} of schedule {scheduleId}" + (run.SessionId is { } sessionId ? $" in session {sessionId}." : "."));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateHistory(CommandBinder binder)
    {
        var id = IdArgument();
        var limit = new Option<int>("--limit", "-n") { Description = $"The newest N entries (1-500, default {DefaultHistoryLimit})", DefaultValueFactory = _ => DefaultHistoryLimit, HelpName = "N" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 500)
            {
                result.AddError($"--limit must be from 1 to 500, not {result.GetValueOrDefault<int>()}.");
            }
        });
        var json = JsonOption();
        var command = new Command("history", "The run history, newest first: runs and skipped slots with their reason") { id, limit, json };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var scheduleId = context.GetValue(id)!;
            var runs = await connection.Client.GetScheduleRunsAsync(scheduleId, context.GetValue(limit), cancellationToken);
            if (context.GetValue(json))
            {
                WriteJson(context, new ScheduleRunList(runs), GatewayJsonContext.Default.ScheduleRunList);
                return ExitCodes.Success;
            }

            if (runs.Count == 0)
            {
                context.Console.Out.WriteLine($"No runs of schedule {scheduleId} yet.");
                return ExitCodes.Success;
            }

            var table = new TextTable("RUN", "SLOT", "STATUS", "ATTEMPTS", "SESSION", "DETAIL");
            foreach (var run in runs)
            {
                table.AddRow(run.RunId, Names.Time(run.Slot), Snake(run.Status), run.Attempts.ToString(CultureInfo.InvariantCulture),
                    run.SessionId ?? "-", Names.OneLine(Detail(run), 100));
            }

            table.WriteTo(context.Console.Out);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The schedule id" };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON (the HTTP API's body) instead of text" };

    private static void ExactlyOne(CommandResult result, string what, params Option<string?>[] options)
    {
        var given = options.Where(o => result.GetResult(o) is { Implicit: false }).ToList();
        if (given.Count != 1)
        {
            var names = string.Join(", ", options.Select(o => o.Name));
            result.AddError(given.Count == 0
                ? $"{what} is required: give one of {names}."
                : $"{string.Join(" and ", given.Select(o => o.Name))} exclude each other: give one of {names}.");
        }
    }

    private static DateTimeOffset? ParseAnchor(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Contains('T', StringComparison.OrdinalIgnoreCase)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var anchor))
        {
            return anchor;
        }

        throw new CliException($"--anchor: expected an RFC 3339 time such as 2026-01-01T09:00:00Z, found '{text}'.", ExitCodes.Usage);
    }

    private static void CheckLocally(ScheduleSpec spec)
    {
        try
        {
            ScheduleSpecs.Validate(spec, DateTimeOffset.UtcNow);
        }
        catch (ScheduleInvalidException ex)
        {
            throw Usage(ex);
        }
    }

    private static async Task<T> InvalidAsUsage<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ScheduleInvalidException ex)
        {
            throw Usage(ex);
        }
    }

    private static CliException Usage(ScheduleInvalidException ex) =>
        new($"{OptionOfField.GetValueOrDefault(ex.Field, ex.Field)}: {ex.Problem}{(ex.Problem.EndsWith('.') ? string.Empty : ".")}", ex, ExitCodes.Usage);

    // No --agent: the agent of --session when that session exists, else the server's only usable agent.
    private static async Task<string> PickAgentAsync(DuragentClient client, string? sessionId, CancellationToken cancellationToken)
    {
        if (sessionId is not null)
        {
            try
            {
                return (await client.GetSessionAsync(sessionId, cancellationToken)).Agent;
            }
            catch (Duragent.Sessions.SessionNotFoundException)
            {
                // A named session the first run creates: its agent must come from --agent or be the only one.
            }
        }

        var valid = (await client.ListAgentsAsync(cancellationToken)).Where(a => a.Valid).Select(a => a.Name).ToList();
        return valid.Count == 1
            ? valid[0]
            : throw new CliException(valid.Count == 0 ? "--agent is required, and the server has no usable agent." : $"Choose an agent with --agent: {string.Join(", ", valid)}.", ExitCodes.Usage);
    }

    private static void WriteJson<T>(CliContext context, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        context.Console.Out.WriteLine(JsonSerializer.Serialize(value, type));

    internal static string When(ScheduleInfo info) => info.Kind switch
    {
        "at" => $"at {info.Spec.At}",
        "every" => $"every {info.Spec.Every}",
        _ => $"cron {info.Spec.Cron}" + (info.Spec.TimeZone is { } zone ? $" ({zone})" : " (UTC)"),
    };

    private static string Snake(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static string Target(ScheduleInfo info) => info.Spec.Session is { } session ? $"session {session}" : "a fresh session per run";

    private static string State(ScheduleInfo info)
    {
        var state = info.Paused ? "paused" : info.Done ? "done" : "active";
        return info.Running > 0 ? $"{state}, {info.Running} running" : state;
    }

    private static string Detail(ScheduleRun run) => run.SkippedSlots > 1 && run.LastSlot is { } last
        ? $"{run.SkippedSlots} slots to {Names.Time(last)}: {run.Detail}"
        : run.Detail ?? (run.Manual ? "run now" : string.Empty);

    private static string RunLine(ScheduleRun run) =>
        $"{Names.Time(run.Slot)}  {Snake(run.Status),-8} {run.RunId}" + (run.SessionId is { } s ? $"  {s}" : string.Empty)
        + (Detail(run) is { Length: > 0 } detail ? $"  {Names.OneLine(detail, 100)}" : string.Empty);
}
