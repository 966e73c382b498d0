namespace Duragent.Storage;

/// <summary>Why storage refused a write (<see cref="StorageUnavailableException"/>).</summary>
[GenerateSerializer]
[Alias("duragent.storage-fault")]
public enum StorageFault
{
    /// <summary>No space left on the device (ENOSPC).</summary>
    NoSpace = 0,

    /// <summary>A disk quota is exhausted (EDQUOT).</summary>
    QuotaExceeded = 1,

    /// <summary>The file system is read-only (EROFS).</summary>
    ReadOnly = 2,

    /// <summary>The device reported an input/output error (EIO).</summary>
    IoError = 3,
}
