namespace Duragent.Storage;

/// <summary>
/// Whether the storage takes writes right now. A provider marks itself unwritable when a write fails with a
/// <see cref="StorageUnavailableException"/> and writable again when a write (or its own probe) succeeds, so readiness
/// (<c>/readyz</c>) follows a full disk and its recovery without anyone restarting anything.
/// </summary>
public interface IStorageHealth
{
    /// <summary>False from a failed write until a write succeeds again.</summary>
    bool IsWritable { get; }

    /// <summary>The last failure while <see cref="IsWritable"/> is false (what and where), else null.</summary>
    string? Problem { get; }
}
