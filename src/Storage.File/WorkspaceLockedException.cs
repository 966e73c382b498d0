namespace Duragent.Storage.File;

/// <summary>Another process (a second silo) holds the workspace's <c>silo.lock</c>.</summary>
public sealed class WorkspaceLockedException : IOException
{
    public WorkspaceLockedException()
    {
    }

    public WorkspaceLockedException(string message)
        : base(message)
    {
    }

    public WorkspaceLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WorkspaceLockedException(string message, string lockFile, int? holderPid, Exception? innerException)
        : base(message, innerException)
    {
        LockFile = lockFile;
        HolderPid = holderPid;
    }

    /// <summary>The lock file.</summary>
    public string? LockFile { get; }

    /// <summary>The pid written by the holder, when it could be read.</summary>
    public int? HolderPid { get; }
}
