using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Schedules;

/// <summary>
/// Right after start: reconciles the static schedules (declared ones are created or updated; those created from a
/// declaration that is gone are deleted; none is duplicated, the declared id is the grain key), then wakes every
/// schedule whose reminder is overdue, so slots missed while the silo was down follow their catch-up policy at once
/// rather than at the reminder's next one-minute tick. Start-up does not wait for it.
/// </summary>
public sealed partial class ScheduleStartupService(
    DeclaredSchedules declared,
    IReminderTable reminders,
    IGrainFactory grains,
    ScheduleClock clock,
    IHostApplicationLifetime lifetime,
    ILogger<ScheduleStartupService> logger) : BackgroundService
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
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int applied = 0, removed = 0, failed = 0;
        foreach (var item in declared.Items)
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
                if (info.Spec.Source == ConfigSource && !ids.Contains(info.ScheduleId))
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

        LogReconciled(logger, declared.Items.Count, applied, removed, failed);
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

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Schedule {ScheduleId} could not be woken after the restart; its reminder will try again")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string scheduleId);
}
