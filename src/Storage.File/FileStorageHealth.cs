using Microsoft.Extensions.Logging;

namespace Duragent.Storage.File;

/// <summary>
/// The file provider's <see cref="IStorageHealth"/>: turns the errors of a full, read-only or failing file system into
/// <see cref="StorageUnavailableException"/>, logs one line when writes start failing and one when they work again, and
/// while they fail probes the workspace every <see cref="ProbeInterval"/> (writes, fsyncs and deletes a small file) so
/// that readiness comes back by itself once space is freed, even when nothing else writes.
/// </summary>
public sealed class FileStorageHealth : IStorageHealth, IDisposable
{
    /// <summary>The probe file, in the storage root.</summary>
    public const string ProbeFileName = ".write-probe";

    // errno values (Linux) and Windows HRESULTs of the conditions that are the storage's, not the caller's.
    private const int ENospc = 28;
    private const int EDquot = 122;
    private const int ERofs = 30;
    private const int EIo = 5;
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);

    private static readonly byte[] ProbeContent = new byte[4096];

    private readonly string _root;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private ITimer? _probe;
    private volatile string? _problem;
    private bool _disposed;

    public FileStorageHealth(string root, ILogger logger, TimeProvider clock)
    {
        _root = root;
        _logger = logger;
        _clock = clock;
    }

    /// <summary>How often a failing storage is probed: every 2 seconds.</summary>
    public static TimeSpan ProbeInterval { get; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public bool IsWritable => _problem is null;

    /// <inheritdoc />
    public string? Problem => _problem;

    /// <summary>
    /// The storage fault <paramref name="error"/> stands for (wrapped as <see cref="StorageUnavailableException"/>,
    /// naming <paramref name="location"/>), or null when it is some other error.
    /// </summary>
    public static StorageUnavailableException? Classify(Exception error, string? location)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException known)
            {
                return known;
            }

            if (e is IOException io && FaultOf(io.HResult) is { } fault)
            {
                var where = location is null ? string.Empty : $" writing {location}";
                return new StorageUnavailableException($"Storage unavailable{where}: {Describe(fault)}.", fault, location, error);
            }
        }

        return null;
    }

    /// <summary>
    /// Returns what a write that failed with <paramref name="error"/> should throw: a storage fault is recorded (and
    /// logged once) and returned as <see cref="StorageUnavailableException"/>; any other error is returned as it is.
    /// </summary>
    public Exception Observe(Exception error, string? location)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (Classify(error, location) is not { } fault)
        {
            return error;
        }

        lock (_gate)
        {
            if (_problem is null && !_disposed)
            {
                _logger.LogErrorWritesFailing(fault.Message);
                _probe = _clock.CreateTimer(_ => Probe(), null, ProbeInterval, ProbeInterval);
            }

            _problem = fault.Message;
        }

        return fault;
    }

    /// <summary>A write succeeded: the storage is writable (again).</summary>
    public void ReportSuccess()
    {
        if (_problem is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_problem is null)
            {
                return;
            }

            _problem = null;
            _probe?.Dispose();
            _probe = null;
            _logger.LogInformationWritesWork();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _probe?.Dispose();
            _probe = null;
        }
    }

    private void Probe()
    {
        var path = Path.Combine(_root, ProbeFileName);
        try
        {
            using (var handle = System.IO.File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, ProbeContent, 0);
                RandomAccess.FlushToDisk(handle);
            }

            System.IO.File.Delete(path);
            ReportSuccess();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                System.IO.File.Delete(path);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Still failing; the next probe tries again.
            }
        }
    }

    private static StorageFault? FaultOf(int hresult) => hresult switch
    {
        ENospc or ErrorDiskFull or ErrorHandleDiskFull => StorageFault.NoSpace,
        EDquot => StorageFault.QuotaExceeded,
        ERofs => StorageFault.ReadOnly,
        EIo => StorageFault.IoError,
        _ => null,
    };

    private static string Describe(StorageFault fault) => fault switch
    {
        StorageFault.NoSpace => "no space left on the device",
        StorageFault.QuotaExceeded => "the disk quota is exhausted",
        StorageFault.ReadOnly => "the file system is read-only",
        _ => "the device reported an I/O error",
    };
}
