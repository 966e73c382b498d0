using Microsoft.Extensions.Logging;

namespace Duragent.Storage.File;

/// <summary>Event ids of the file storage provider's log messages.</summary>
internal enum FileStorageEvent
{
    Opened = 4100,
    Closed = 4101,
    TornTailTruncated = 4110,
    StrayTempDeleted = 4111,
    ArchiveRolledBack = 4112,
    StaleArchiveDeleted = 4113,
    FlushFailed = 4120,
    WritesFailing = 4121,
    WritesWork = 4122,
    Compacted = 4130,
    LogDeleted = 4131,
    UnexpectedEntrySkipped = 4140,
    LegacyOneShotReminder = 4141,
    RemindersUnreadable = 4142,
}

/// <summary>The file storage provider's log messages.</summary>
internal static partial class FileStorageLog
{
    [LoggerMessage(EventId = (int)FileStorageEvent.Opened, Level = LogLevel.Information,
        Message = "File storage opened at {Root} (pid {Pid} holds {LockFile}); sync strategy {Strategy}, {FlushThreads} flush threads")]
    public static partial void LogInformationOpened(this ILogger logger, string root, int pid, string lockFile, FileSyncStrategy strategy, int flushThreads);

    [LoggerMessage(EventId = (int)FileStorageEvent.Closed, Level = LogLevel.Information,
        Message = "File storage at {Root} closed")]
    public static partial void LogInformationClosed(this ILogger logger, string root);

    [LoggerMessage(EventId = (int)FileStorageEvent.TornTailTruncated, Level = LogLevel.Warning,
        Message = "Torn tail in {Path}: truncated {Bytes} bytes at byte offset {Offset} ({Reason}); these were never acknowledged")]
    public static partial void LogWarningTornTailTruncated(this ILogger logger, string path, long offset, long bytes, string reason);

    [LoggerMessage(EventId = (int)FileStorageEvent.StrayTempDeleted, Level = LogLevel.Warning,
        Message = "Deleted {Path}, a temp file left by an interrupted write")]
    public static partial void LogWarningStrayTempDeleted(this ILogger logger, string path);

    [LoggerMessage(EventId = (int)FileStorageEvent.ArchiveRolledBack, Level = LogLevel.Warning,
        Message = "An archive compaction of {Path} was interrupted; archived copies from seq {FromSeq} on were removed (the live log still holds them)")]
    public static partial void LogWarningArchiveRolledBack(this ILogger logger, string path, long fromSeq);

    [LoggerMessage(EventId = (int)FileStorageEvent.StaleArchiveDeleted, Level = LogLevel.Warning,
        Message = "A discard compaction of {Path} was interrupted; deleted the stale archive (it ends at seq {ArchiveLast}, the log was compacted through {CompactedThrough})")]
    public static partial void LogWarningStaleArchiveDeleted(this ILogger logger, string path, long archiveLast, long compactedThrough);

    [LoggerMessage(EventId = (int)FileStorageEvent.FlushFailed, Level = LogLevel.Error,
        Message = "Flushing {Path} failed; the appends waiting on it fail and the log is reloaded before its next use")]
    public static partial void LogErrorFlushFailed(this ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = (int)FileStorageEvent.FlushFailed, Level = LogLevel.Debug,
        Message = "Appending to {Path} failed: {Reason}")]
    public static partial void LogDebugFlushFailed(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = (int)FileStorageEvent.WritesFailing, Level = LogLevel.Error,
        Message = "{Problem} Sessions cannot record anything until this is fixed; nothing already stored is lost, and /readyz reports not ready meanwhile")]
    public static partial void LogErrorWritesFailing(this ILogger logger, string problem);

    [LoggerMessage(EventId = (int)FileStorageEvent.WritesWork, Level = LogLevel.Information,
        Message = "Storage writes work again")]
    public static partial void LogInformationWritesWork(this ILogger logger);

    [LoggerMessage(EventId = (int)FileStorageEvent.Compacted, Level = LogLevel.Debug,
        Message = "Compacted {Path} through seq {ThroughSeq} ({Mode}): {Events} events moved out, {Kept} kept")]
    public static partial void LogDebugCompacted(this ILogger logger, string path, long throughSeq, CompactionMode mode, long events, long kept);

    [LoggerMessage(EventId = (int)FileStorageEvent.LogDeleted, Level = LogLevel.Debug,
        Message = "Deleted the event log {Path}")]
    public static partial void LogDebugLogDeleted(this ILogger logger, string path);

    [LoggerMessage(EventId = (int)FileStorageEvent.UnexpectedEntrySkipped, Level = LogLevel.Warning,
        Message = "Skipped {Path}: {Reason}")]
    public static partial void LogWarningUnexpectedEntrySkipped(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = (int)FileStorageEvent.LegacyOneShotReminder, Level = LogLevel.Warning,
        Message = "{Path} is a one-shot reminder (period 0) written before the move to Orleans, which cannot schedule a period of 0; it is served with period {Period} until its grain replaces or removes it")]
    public static partial void LogWarningLegacyOneShotReminder(this ILogger logger, string path, TimeSpan period);

    [LoggerMessage(EventId = (int)FileStorageEvent.RemindersUnreadable, Level = LogLevel.Error,
        Message = "The reminder rows under {Path} could not be read; no reminder fires and no reminder can be registered until the file named below is fixed (the silo reads the files again at each call)")]
    public static partial void LogErrorRemindersUnreadable(this ILogger logger, string path, Exception exception);
}
