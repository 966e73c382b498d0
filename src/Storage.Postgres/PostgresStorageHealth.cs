using Npgsql;

namespace Duragent.Storage.Postgres;

/// <summary>
/// The PostgreSQL provider's <see cref="IStorageHealth"/>: a write that fails because the server is out of space, read
/// only, or cannot be reached marks the storage unwritable (and is thrown as <see cref="StorageUnavailableException"/>,
/// which the HTTP gateway answers with 507); the next write that succeeds marks it writable again. A conflict or a bad
/// query is the caller's problem, not the storage's, and passes through unchanged.
/// </summary>
public sealed class PostgresStorageHealth : IStorageHealth
{
    private volatile string? _problem;

    /// <inheritdoc />
    public bool IsWritable => _problem is null;

    /// <inheritdoc />
    public string? Problem => _problem;

    /// <summary>What a write that failed with <paramref name="error"/> should throw (a storage fault is recorded).</summary>
    public Exception Observe(Exception error, string location)
    {
        ArgumentNullException.ThrowIfNull(error);
        StorageFault? fault = error switch
        {
            PostgresException { SqlState: PostgresErrorCodes.DiskFull or PostgresErrorCodes.InsufficientResources } => StorageFault.NoSpace,
            PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction } => StorageFault.ReadOnly,
            PostgresException => null,
            NpgsqlException or TimeoutException => StorageFault.IoError,
            _ => null,
        };
        if (fault is null)
        {
            return error;
        }

        var message = $"Storage unavailable writing {location}: {error.Message}";
        _problem = message;
        return new StorageUnavailableException(message, fault.Value, location, error);
    }

    /// <summary>A write succeeded: the storage is writable (again).</summary>
    public void ReportSuccess() => _problem = null;
}
