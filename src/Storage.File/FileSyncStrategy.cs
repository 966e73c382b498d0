namespace Duragent.Storage.File;

/// <summary>How the file provider makes appended events durable.</summary>
public enum FileSyncStrategy
{
    /// <summary>
    /// Each dirty log is written and <c>fdatasync</c>ed on its own, by a pool of dedicated flush threads; flushes of
    /// different logs run in parallel. Only the provider's own files are flushed.
    /// </summary>
    PerFile = 0,

    /// <summary>
    /// Like <see cref="PerFile"/> while few logs are dirty; when at least
    /// <see cref="FileStorageOptions.SyncFsMinDirtyLogs"/> logs wait for a flush, a flush thread writes all of them
    /// and makes them durable with one Linux <c>syncfs</c> call. Much faster under many concurrent sessions, but
    /// <c>syncfs</c> flushes every dirty page of the whole filesystem, so a process writing a lot of data elsewhere
    /// on the same filesystem lengthens Duragent's append latency. Falls back to <see cref="PerFile"/> where
    /// <c>syncfs</c> does not exist.
    /// </summary>
    SyncFsWhenBusy = 1,
}
