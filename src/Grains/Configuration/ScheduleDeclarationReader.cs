using System.Globalization;
using Duragent.Schedules;

namespace Duragent.Configuration;

/// <summary>
/// Reads a <c>schedules:</c> list of static schedules: the section of <c>duragent.yaml</c> and an agent's
/// <c>schedules.yaml</c> (see <see cref="AgentScheduleFile"/>). Each declaration is checked here as the API would check
/// it, and every problem is located at its field.
/// </summary>
internal static class ScheduleDeclarationReader
{
    private static readonly KeyValuePair<string, SchedulePayload>[] PayloadValues = [new("message", SchedulePayload.Message), new("task", SchedulePayload.Task)];

    private static readonly KeyValuePair<string, CatchUpPolicy>[] CatchUpValues = [new("once", CatchUpPolicy.Once), new("skip", CatchUpPolicy.Skip)];

    private static readonly KeyValuePair<string, BusyPolicy>[] BusyValues = [new("wait", BusyPolicy.Wait), new("skip", BusyPolicy.Skip)];

    /// <summary>
    /// The declarations of <paramref name="parent"/>'s <c>schedules</c> list. With an <paramref name="owner"/> (an agent's
    /// own file), <c>agent</c> may be left out and must otherwise name the owner, and the grain key of a declared
    /// <c>id</c> is <c>&lt;owner&gt;.&lt;id&gt;</c>, so two agents' files never claim the same schedule.
    /// </summary>
    public static List<DeclaredSchedule> Read(YamlMap parent, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var file = parent.File;
        var result = new List<DeclaredSchedule>();
        var items = parent.List("schedules", owner is null
            ? "a list of schedules ({id, agent, text, at | every | cron, ...})"
            : "a list of schedules ({id, text, at | every | cron, ...})");
        if (items is null)
        {
            return result;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var map = YamlMap.From(file, items[i], $"schedules[{i}]", owner is null
                ? "a mapping with id, agent, text and one of at, every, cron"
                : "a mapping with id, text and one of at, every, cron");
            if (map is null)
            {
                continue;
            }

            var id = map.RequiredString("id", "the schedule's id (letters, digits, '.', '_', '-')");
            if (id is not null && GrainKey.Check(owner is null ? id : $"{owner}.{id}") is { } idProblem)
            {
                map.Error("id", $"'{id}' is not a valid id: {idProblem}");
                id = null;
            }
            else if (id is not null && !ids.Add(id))
            {
                map.Error("id", $"'{id}' is declared twice; schedule ids must be unique");
                id = null;
            }

            string? agent;
            if (owner is null)
            {
                agent = map.RequiredString("agent", "the name of the agent the schedule runs for");
            }
            else
            {
                agent = map.String("agent") ?? owner;
                if (agent != owner)
                {
                    map.Error("agent", $"'{agent}' is another agent; the schedules.yaml of agent '{owner}' declares only its own schedules (leave agent out)");
                    agent = null;
                }
            }

            var text = map.RequiredString("text", "the message or task to deliver");
            var at = map.String("at");
            if (at is not null && at.TrimStart().StartsWith("in", StringComparison.OrdinalIgnoreCase))
            {
                map.Error("at", $"'{at}' is relative; a file needs an absolute RFC 3339 time (2026-12-24T18:00:00+01:00), or use every or cron");
                continue;
            }

            var spec = new ScheduleSpec(
                agent ?? string.Empty,
                text ?? string.Empty,
                map.Enum("payload", PayloadValues) ?? SchedulePayload.Message,
                at,
                map.String("every"),
                map.String("cron"),
                map.String("time_zone"),
                map.Has("anchor") ? ParseAnchor(map) : null,
                map.String("session"),
                map.Enum("catch_up", CatchUpValues) ?? CatchUpPolicy.Once,
                map.String("grace"),
                map.Int("max_concurrent", 1, ScheduleSpecs.MaxConcurrentLimit) ?? 1,
                map.Enum("on_busy", BusyValues) ?? BusyPolicy.Wait,
                map.Int("max_attempts", 1, ScheduleSpecs.MaxAttemptsLimit) ?? 3,
                map.String("description"),
                ScheduleStartupService.ConfigSource);
            map.WarnUnknownKeys();
            if (id is null || agent is null || text is null)
            {
                continue;
            }

            try
            {
                ScheduleSpecs.Validate(spec, DateTimeOffset.UtcNow, allowPastAt: true);
            }
            catch (ScheduleInvalidException ex)
            {
                if (map.Has(ex.Field))
                {
                    map.Error(ex.Field, ex.Problem);
                }
                else
                {
                    file.Error(map.Start, $"{map.Path}: {ex.Message}");
                }

                continue;
            }

            result.Add(new DeclaredSchedule(owner is null ? id : $"{owner}.{id}", spec, $"{file.File}:{map.Start.Line}:{map.Start.Column}"));
        }

        return result;
    }

    private static DateTimeOffset? ParseAnchor(YamlMap map)
    {
        var text = map.String("anchor");
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var anchor)
            && text.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            return anchor;
        }

        map.Error("anchor", $"expected an RFC 3339 time such as 2026-01-01T09:00:00Z, found '{text}'");
        return null;
    }
}
