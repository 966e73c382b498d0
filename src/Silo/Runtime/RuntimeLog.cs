using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>Event ids of the grain runtime's log messages.</summary>
internal enum RuntimeEvent
{
    Activated = 1000,
    ActivationFailed = 1001,
    Deactivating = 1002,
    Deactivated = 1003,
    DeactivateHookFailed = 1004,
    DeactivationWaitTimedOut = 1005,
    InconsistentState = 1006,
    DroppedExpiredCall = 1007,
    TimerTickFailed = 1008,
    DirectoryUnregisterFailed = 1009,
    CollectedIdle = 1010,
    ShutdownStarted = 1100,
    DrainTimedOut = 1101,
    ShutdownCompleted = 1102,
    RemindersLoaded = 1200,
    ReminderTicksSkipped = 1201,
    ReminderMissedTicksFolded = 1202,
    ReminderDeliveryFailed = 1203,
    ReminderRowUpdateFailed = 1204,
    ReminderRowChanged = 1205,
    ReminderInvalidRow = 1206,
    RemindersLoadFailed = 1207,
}

/// <summary>Source-generated log messages of the grain runtime.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = (int)RuntimeEvent.Activated, Level = LogLevel.Debug, Message = "Activated grain {GrainId} ({ImplementationType})")]
    public static partial void LogDebugActivated(this ILogger logger, GrainId grainId, string implementationType);

    [LoggerMessage(EventId = (int)RuntimeEvent.ActivationFailed, Level = LogLevel.Warning, Message = "Activation of grain {GrainId} failed; {QueuedCalls} queued call(s) are rejected")]
    public static partial void LogWarningActivationFailed(this ILogger logger, GrainId grainId, int queuedCalls, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.Deactivating, Level = LogLevel.Debug, Message = "Deactivating grain {GrainId} ({Reason})")]
    public static partial void LogDebugDeactivating(this ILogger logger, GrainId grainId, DeactivationReason reason);

    [LoggerMessage(EventId = (int)RuntimeEvent.Deactivated, Level = LogLevel.Debug, Message = "Deactivated grain {GrainId} ({Reason}); {ForwardedCalls} call(s) forwarded to a new activation")]
    public static partial void LogDebugDeactivated(this ILogger logger, GrainId grainId, DeactivationReason reason, int forwardedCalls);

    [LoggerMessage(EventId = (int)RuntimeEvent.DeactivateHookFailed, Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {GrainId} ({Reason}) failed")]
    public static partial void LogWarningDeactivateHookFailed(this ILogger logger, GrainId grainId, DeactivationReason reason, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.DeactivationWaitTimedOut, Level = LogLevel.Warning, Message = "Grain {GrainId} still had {RunningRequests} running request(s) after the deactivation timeout {Timeout}; deactivating anyway")]
    public static partial void LogWarningDeactivationWaitTimedOut(this ILogger logger, GrainId grainId, int runningRequests, TimeSpan timeout);

    [LoggerMessage(EventId = (int)RuntimeEvent.InconsistentState, Level = LogLevel.Warning, Message = "Grain {GrainId} found stale state in {Work}; deactivating it so that the next call reloads")]
    public static partial void LogWarningInconsistentState(this ILogger logger, GrainId grainId, string work, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.DroppedExpiredCall, Level = LogLevel.Debug, Message = "Dropped {Work} to grain {GrainId}: its caller already gave up")]
    public static partial void LogDebugDroppedExpiredCall(this ILogger logger, GrainId grainId, string work);

    [LoggerMessage(EventId = (int)RuntimeEvent.TimerTickFailed, Level = LogLevel.Error, Message = "A timer tick of grain {GrainId} failed; the timer continues")]
    public static partial void LogErrorTimerTickFailed(this ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.DirectoryUnregisterFailed, Level = LogLevel.Warning, Message = "Could not unregister grain {GrainId} from the grain directory")]
    public static partial void LogWarningDirectoryUnregisterFailed(this ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.CollectedIdle, Level = LogLevel.Debug, Message = "Idle collection: deactivating {Count} of {Total} activation(s)")]
    public static partial void LogDebugCollectedIdle(this ILogger logger, int count, int total);

    [LoggerMessage(EventId = (int)RuntimeEvent.ShutdownStarted, Level = LogLevel.Information, Message = "Silo shutting down: no new calls accepted; draining {Count} activation(s) for up to {DrainTimeout}")]
    public static partial void LogInformationShutdownStarted(this ILogger logger, int count, TimeSpan drainTimeout);

    [LoggerMessage(EventId = (int)RuntimeEvent.DrainTimedOut, Level = LogLevel.Warning, Message = "Silo shutdown: {Count} activation(s) still had work when the drain ended; deactivating them anyway")]
    public static partial void LogWarningDrainTimedOut(this ILogger logger, int count);

    [LoggerMessage(EventId = (int)RuntimeEvent.ShutdownCompleted, Level = LogLevel.Information, Message = "Silo stopped: {Count} activation(s) deactivated")]
    public static partial void LogInformationShutdownCompleted(this ILogger logger, int count);

    [LoggerMessage(EventId = (int)RuntimeEvent.RemindersLoaded, Level = LogLevel.Information, Message = "Loaded {Count} reminder(s)")]
    public static partial void LogInformationRemindersLoaded(this ILogger logger, int count);

    [LoggerMessage(EventId = (int)RuntimeEvent.RemindersLoadFailed, Level = LogLevel.Critical, Message = "The reminder table could not be loaded; the silo stops")]
    public static partial void LogCriticalRemindersLoadFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderTicksSkipped, Level = LogLevel.Warning, Message = "Reminder {ReminderName} of grain {GrainId}: skipped {Skipped} missed tick(s) (policy Skip); next tick at {NextTick:O}")]
    public static partial void LogWarningReminderTicksSkipped(this ILogger logger, GrainId grainId, string reminderName, long skipped, DateTimeOffset nextTick);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderMissedTicksFolded, Level = LogLevel.Warning, Message = "Reminder {ReminderName} of grain {GrainId}: {Missed} missed tick(s) delivered as one tick now (policy {Policy})")]
    public static partial void LogWarningReminderMissedTicksFolded(this ILogger logger, GrainId grainId, string reminderName, long missed, MissedTickPolicy policy);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderDeliveryFailed, Level = LogLevel.Error, Message = "Reminder {ReminderName} of grain {GrainId} (tick {Tick:O}) failed; the schedule continues")]
    public static partial void LogErrorReminderDeliveryFailed(this ILogger logger, GrainId grainId, string reminderName, DateTimeOffset tick, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderRowUpdateFailed, Level = LogLevel.Error, Message = "Could not record the tick of reminder {ReminderName} of grain {GrainId} in the reminder table")]
    public static partial void LogErrorReminderRowUpdateFailed(this ILogger logger, GrainId grainId, string reminderName, Exception exception);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderRowChanged, Level = LogLevel.Debug, Message = "Reminder {ReminderName} of grain {GrainId} changed in the table while a tick was delivered; reloaded it")]
    public static partial void LogDebugReminderRowChanged(this ILogger logger, GrainId grainId, string reminderName);

    [LoggerMessage(EventId = (int)RuntimeEvent.ReminderInvalidRow, Level = LogLevel.Error, Message = "Ignoring reminder row {ReminderName} of grain {GrainId}: {Problem}")]
    public static partial void LogErrorReminderInvalidRow(this ILogger logger, GrainId grainId, string reminderName, string problem);
}
