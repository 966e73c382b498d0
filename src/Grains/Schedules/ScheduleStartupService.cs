using Duragent.Agents;
using Duragent.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Schedules;

/// <summary>
/// Right after start: reconciles the static schedules of <c>duragent.yaml</c> and of each agent's <c>schedules.yaml</c>
/// (declared ones are created or updated; those created from a declaration that is gone are deleted, except for an agent
/// whose file has errors, whose schedules are left as they are; none is duplicated, the declared id is the grain key), then wakes every
/// schedule whose reminder is overdue, so slots missed while the silo was down follow their catch-up policy at once
/// rather than at the reminder's next one-minute tick. Start-up does not wait for it.
/// </summary>
public sealed partial class ScheduleStartupService(
    DeclaredSchedules declared,
    IReminderTable reminders,
    IGrainFactory grains,
    ScheduleClock clock,
    IHostApplicationLifetime lifetime,
    ILogger<ScheduleStartupService> logger,
    IAgentCatalog? agents = null) : BackgroundService
{
    /// <summary>The <c>source</c> of schedules declared in files.</summary>
    public const string ConfigSource = "config";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult(true)))
        using (stoppingToken.Register(() => started.TrySetResult(false)))
        {
            if (!await started.Task)
            {
                return;
            }
        }

        await ReconcileAsync(stoppingToken);
        await WakeOverdueAsync(stoppingToken);
    }

    /// <summary>Applies the declared schedules and deletes the config schedules no longer declared.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var (items, keep) = await CollectAsync(cancellationToken);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int applied = 0, removed = 0, failed = 0;
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ids.Add(item.Id);
            try
            {
                if (await grains.GetGrain<IScheduleGrain>(item.Id).ApplyAsync(item.Spec with { Source = ConfigSource }) is not null)
                {
                    applied++;
                    LogApplied(logger, item.Id, item.Location);
                }
            }
            catch (Exception ex) when (ex is ScheduleException or Duragent.Sessions.SessionException)
            {
                failed++;
                LogApplyFailed(logger, item.Location, item.Id, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                LogApplyError(logger, ex, item.Id);
            }
        }

        try
        {
            foreach (var info in await ScheduleListing.ListAsync(grains))
            {
                if (info.Spec.Source == ConfigSource && !ids.Contains(info.ScheduleId) && keep is not null && !keep.Contains(info.Spec.Agent))
                {
                    await grains.GetGrain<IScheduleGrain>(info.ScheduleId).DeleteAsync();
                    removed++;
                    LogRemoved(logger, info.ScheduleId);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListFailed(logger, ex);
        }

        LogReconciled(logger, items.Count, applied, removed, failed);
    }

    // The declarations of duragent.yaml, then those of every agent's schedules.yaml. The agents whose file has errors
    // keep their config schedules as they are (a typo must not delete them); null: the agents could not be listed, so
    // no config schedule is deleted.
    private async Task<(List<DeclaredSchedule> Items, HashSet<string>? Keep)> CollectAsync(CancellationToken cancellationToken)
    {
        var items = new List<DeclaredSchedule>(declared.Items);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (agents is null)
        {
            return (items, keep);
        }

        IReadOnlyList<AgentLoadResult> list;
        try
        {
            list = await agents.ListAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAgentsUnreadable(logger, ex);
            return (items, null);
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            seen[item.Id] = item.Location;
        }

        foreach (var agent in list)
        {
            var file = AgentScheduleFile.Load(agent.HomeDirectory, agent.Name);
            foreach (var diagnostic in file.Diagnostics)
            {
                if (diagnostic.IsError)
                {
                    LogFileError(logger, diagnostic.ToString());
                }
                else
                {
                    LogFileWarning(logger, diagnostic.ToString());
                }
            }

            if (file.HasErrors)
            {
                keep.Add(agent.Name);
            }

            foreach (var item in file.Items)
            {
                if (seen.TryAdd(item.Id, item.Location))
                {
                    items.Add(item);
                }
                else
                {
                    LogFileError(logger, $"{item.Location}: error: schedule id '{item.Id}' is declared already at {seen[item.Id]}; this declaration is ignored");
                }
            }
        }

        return (items, keep);
    }

    private async Task WakeOverdueAsync(CancellationToken stoppingToken)
    {
        IEnumerable<ReminderEntry> rows;
        try
        {
            rows = (await reminders.ReadRows(0u, 0u, stoppingToken)).Reminders;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListFailed(logger, ex);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var row in rows)
        {
            if (row.GrainId.Type.ToString() != ScheduleGrain.GrainTypeName || row.ReminderName != ScheduleGrain.SlotReminder || row.StartAt > now)
            {
                continue;
            }

            try
            {
                await grains.GetGrain<IScheduleGrain>(row.GrainId.Key.ToString()).GetAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWakeFailed(logger, ex, row.GrainId.Key.ToString());
            }
        }
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Static schedule {ScheduleId} ({Location}) created or updated")]
    private static partial void LogApplied(ILogger logger, string scheduleId, string location);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "{Location}: static schedule {ScheduleId} not applied: {Problem}")]
    private static partial void LogApplyFailed(ILogger logger, string location, string scheduleId, string problem);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Static schedule {ScheduleId} could not be applied; it is tried again at the next start")]
    private static partial void LogApplyError(ILogger logger, Exception exception, string scheduleId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Static schedule {ScheduleId} deleted: it is no longer declared")]
    private static partial void LogRemoved(ILogger logger, string scheduleId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "The schedules could not be listed at start; overdue schedules fire at their reminders' next tick")]
    private static partial void LogListFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Static schedules reconciled: {Declared} declared, {Applied} created or updated, {Removed} removed, {Failed} not applied")]
    private static partial void LogReconciled(ILogger logger, int declared, int applied, int removed, int failed);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "{Diagnostic}")]
    private static partial void LogFileError(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private static partial void LogFileWarning(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Error, Message = "The agents could not be listed; their schedules.yaml files are not read and no static schedule is deleted at this start")]
    private static partial void LogAgentsUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Schedule {ScheduleId} could not be woken after the restart; its reminder will try again")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string scheduleId);
}
