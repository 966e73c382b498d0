namespace Duragent.Storage;

/// <summary>
/// A write failed because the storage cannot take it now: the file system is full (ENOSPC), a quota is exhausted
/// (EDQUOT), it is read-only (EROFS), or the device reported an I/O error (EIO). Nothing was stored by the failing
/// write, and nothing stored before is lost. The condition is usually temporary: writes work again once space is freed,
/// and <see cref="IStorageHealth"/> says when. The HTTP gateway answers it with <c>507 insufficient_storage</c>.
/// </summary>
/// <remarks>Orleans-serialized: grain calls rethrow it at the caller with <see cref="Fault"/> and <see cref="Location"/> intact.</remarks>
[GenerateSerializer]
[Alias("duragent.storage-unavailable-exception")]
public sealed class StorageUnavailableException : IOException
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageUnavailableException(string message, StorageFault fault, string? location, Exception? innerException)
        : base(message, innerException)
    {
        Fault = fault;
        Location = location;
    }

    /// <summary>What the storage reported.</summary>
    [Id(0)]
    public StorageFault Fault { get; }

    /// <summary>The file (or table) the write was for, when known.</summary>
    [Id(1)]
    public string? Location { get; }
}
