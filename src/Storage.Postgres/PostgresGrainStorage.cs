using System.Globalization;
using Duragent.Storage.File;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Duragent.Storage.Postgres;

/// <summary>
/// Orleans grain storage in <c>duragent_grain_state</c>: one row per (grain type, key, state name) holding the state
/// as the same YAML the file provider writes and a version that is the ETag. Every write and clear is one conditional
/// statement on that version (a stale ETag changes nothing and throws Orleans' <see cref="InconsistentStateException"/>),
/// so two silos that both believe they hold an activation can never both write.
/// </summary>
/// <remarks>
/// The project's own provider rather than Orleans' ADO.NET grain storage: it keeps the file provider's contract
/// (grain keys checked with <see cref="GrainKey"/>, a cleared record's version goes on, the state readable as text), and
/// needs no second set of stored queries. docs/storage.md has the measurement.
/// </remarks>
public sealed class PostgresGrainStorage : IGrainStorage
{
    private const string Read = "SELECT version, state FROM duragent_grain_state WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND state IS NOT NULL";

    // A first write (no ETag) succeeds only where no record exists: no row, or a cleared one whose version goes on.
    private const string Insert =
        """
        INSERT INTO duragent_grain_state AS s (grain_type, grain_key, state_name, version, state) VALUES ($1, $2, $3, 1, $4)
        ON CONFLICT (grain_type, grain_key, state_name) DO UPDATE SET version = s.version + 1, state = excluded.state, updated_at = now()
            WHERE s.state IS NULL
        RETURNING version
        """;

    private const string Update =
        """
        UPDATE duragent_grain_state SET version = version + 1, state = $4, updated_at = now()
        WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND version = $5 AND state IS NOT NULL
        RETURNING version
        """;

    private const string Clear =
        """
        UPDATE duragent_grain_state SET state = NULL, updated_at = now()
        WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND version = $4 AND state IS NOT NULL
        """;

    private const string Exists = "SELECT version FROM duragent_grain_state WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND state IS NOT NULL";

    private readonly NpgsqlDataSource _dataSource;
    private readonly IActivatorProvider _activators;
    private readonly PostgresStorageHealth _health;

    internal PostgresGrainStorage(NpgsqlDataSource dataSource, IActivatorProvider activators, PostgresStorageHealth health)
    {
        _dataSource = dataSource;
        _activators = activators;
        _health = health;
    }

    /// <inheritdoc />
    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var (type, key, name) = Names(grainId, stateName);
        await using var command = Command(Read, type, key, name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            grainState.State = NewState<TState>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var version = reader.GetInt64(0);
        var state = StateYaml.Deserialize<TState>(reader.GetString(1), Location(type, key, name));
        grainState.State = state is null ? NewState<TState>() : state;
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var (type, key, name) = Names(grainId, stateName);
        var expected = ParseETag(grainState.ETag);
        var text = StateYaml.Serializer.Serialize(grainState.State is null ? NewState<TState>() : grainState.State);
        await using var command = Command(expected is null ? Insert : Update, type, key, name);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
        if (expected is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected.Value });
        }

        object? version;
        try
        {
            version = grainState.ETag is not null && expected is null ? null : await command.ExecuteScalarAsync(cancellationToken);
            _health.ReportSuccess();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, Location(type, key, name));
        }

        if (version is not long written)
        {
            throw await ConflictAsync("write", type, key, name, grainState.ETag, cancellationToken);
        }

        grainState.ETag = written.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var (type, key, name) = Names(grainId, stateName);
        var expected = ParseETag(grainState.ETag);
        if (grainState.ETag is null)
        {
            // Nothing to clear when there is no record; a record the caller does not know of is a conflict.
            await using var exists = Command(Exists, type, key, name);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                throw await ConflictAsync("clear", type, key, name, null, cancellationToken);
            }
        }
        else
        {
            var cleared = 0;
            if (expected is not null)
            {
                await using var command = Command(Clear, type, key, name);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected.Value });
                try
                {
                    cleared = await command.ExecuteNonQueryAsync(cancellationToken);
                    _health.ReportSuccess();
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    throw _health.Observe(ex, Location(type, key, name));
                }
            }

            if (cleared == 0)
            {
                throw await ConflictAsync("clear", type, key, name, grainState.ETag, cancellationToken);
            }
        }

        grainState.State = NewState<TState>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static (string Type, string Key, string Name) Names(GrainId grainId, string stateName)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        var (type, key) = PostgresKeys.Of(grainId);
        return (type, key, GrainKey.Validate(stateName, "state name"));
    }

    private static long? ParseETag(string? eTag) =>
        long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    private static string Location(string type, string key, string name) => $"duragent_grain_state {type}/{key}/{name}";

    private NpgsqlCommand Command(string sql, string type, string key, string name)
    {
        var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return command;
    }

    private async Task<InconsistentStateException> ConflictAsync(string operation, string type, string key, string name, string? eTag, CancellationToken cancellationToken)
    {
        await using var command = Command(Exists, type, key, name);
        var stored = await command.ExecuteScalarAsync(cancellationToken) is long version ? version.ToString(CultureInfo.InvariantCulture) : null;
        return new InconsistentStateException(
            $"Cannot {operation} {Location(type, key, name)}: the caller's ETag is {eTag ?? "null (no record)"} but the stored version is {stored ?? "none (no record)"}.",
            stored, eTag);
    }

    // A missing record reads as a fresh state, made the way Orleans makes one (its activator runs the constructor).
    private TState NewState<TState>() => _activators.GetActivator<TState>().Create();
}
