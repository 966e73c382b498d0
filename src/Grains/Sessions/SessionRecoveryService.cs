using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Sessions;

/// <summary>
/// Wakes, right after start, every session whose turn was running when the silo stopped. Such a session holds a
/// durable <see cref="SessionGrain.TurnReminder"/>; activating it lets it resume the turn (continue mode) or park it
/// (pause mode) at once instead of at the reminder's next tick. Start-up does not wait for it.
/// </summary>
public sealed partial class SessionRecoveryService(
    IReminderTable reminders,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    ILogger<SessionRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every hosted service (the runtime among them) must have started before grains are called.
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult(true)))
        using (stoppingToken.Register(() => started.TrySetResult(false)))
        {
            if (!await started.Task)
            {
                // The host stopped (or failed to start) before it was up: nothing to recover.
                return;
            }
        }

        IEnumerable<ReminderEntry> rows;
        try
        {
            // The whole ring (begin == end): in a cluster every silo wakes them all, which costs a grain call each.
            rows = (await reminders.ReadRows(0u, 0u, stoppingToken)).Reminders;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReadFailed(logger, ex);
            return;
        }

        foreach (var row in rows)
        {
            // A running turn, or an approval that expired while the silo was down: woken now rather than at the
            // reminder's next one-minute slot (activation resumes the one and expires the other).
            var due = row.ReminderName == SessionGrain.TurnReminder
                || (row.ReminderName == SessionGrain.ApprovalReminder && row.StartAt <= DateTime.UtcNow);
            if (row.GrainId.Type.ToString() != SessionGrain.GrainTypeName || !due)
            {
                continue;
            }

            try
            {
                LogWaking(logger, row.GrainId.Key.ToString());
                await grains.GetGrain<ISessionGrain>(row.GrainId.Key.ToString()).GetInfoAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWakeFailed(logger, ex, row.GrainId.Key.ToString());
            }
        }
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Waking session {SessionId}: its turn was running, or its approval expired, while the silo was down")]
    private static partial void LogWaking(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Error, Message = "Session {SessionId} could not be woken after the restart; its turn reminder will try again")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "The reminder table could not be read; interrupted turns resume on their reminders' next tick")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
