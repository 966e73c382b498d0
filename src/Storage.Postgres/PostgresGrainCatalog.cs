using System.Runtime.CompilerServices;
using Npgsql;

namespace Duragent.Storage.Postgres;

/// <summary>Keys of a grain type with a state record (not cleared) or an event log.</summary>
public sealed class PostgresGrainCatalog : IGrainCatalog
{
    private readonly NpgsqlDataSource _dataSource;

    internal PostgresGrainCatalog(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListKeysAsync(string grainType, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        GrainKey.Validate(grainType, "grain type");
        await using var command = _dataSource.CreateCommand(
            """
            SELECT grain_key FROM duragent_grain_state WHERE grain_type = $1 AND state IS NOT NULL
            UNION
            SELECT grain_key FROM duragent_event_logs WHERE grain_type = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainType });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader.GetString(0);
        }
    }
}
