using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Duragent.Storage.File;
using Npgsql;
using NpgsqlTypes;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.Postgres;

/// <summary>
/// The session event log in PostgreSQL (tables <c>duragent_event_logs</c>, <c>duragent_events</c> and
/// <c>duragent_events_archive</c>, see <c>Schema/001_initial.sql</c>). An append is one call of
/// <c>duragent_append_events</c>: it moves the log's head from the expected next seq or stores nothing, and the
/// events' primary key (type, key, seq) rejects a seq stored twice whatever the head says. Both conflicts surface as
/// Orleans' <see cref="InconsistentStateException"/>, as with the file log. An append returns after its transaction
/// committed (durable, with PostgreSQL's default <c>synchronous_commit</c>).
/// </summary>
/// <remarks>
/// Events are rendered by the file log's format code, so an event reads back byte for byte as it does from a file.
/// <see cref="AppendOrderedAsync"/> returns only once the batch committed: nothing is ever shown before it is
/// durable, so a seq reservation never has to be remembered and is only checked.
/// </remarks>
public sealed class PostgresEventLogStorage : IEventLogStorage
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresStorageHealth _health;

    internal PostgresEventLogStorage(NpgsqlDataSource dataSource, PostgresStorageHealth health)
    {
        _dataSource = dataSource;
        _health = health;
    }

    /// <inheritdoc />
    public async Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var (type, key) = PostgresKeys.Of(grainId);
        await using var command = _dataSource.CreateCommand("SELECT first_seq, next_seq FROM duragent_event_logs WHERE grain_type = $1 AND grain_key = $2");
        command.Parameters.Add(Text(type));
        command.Parameters.Add(Text(key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new EventLogInfo(reader.GetInt64(0), reader.GetInt64(1)) : new EventLogInfo(1, 1);
    }

    /// <inheritdoc />
    public async Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(expectedNextSeq, 1);
        var (type, key) = PostgresKeys.Of(grainId);

        // Rendered (and validated) before anything is sent: a bad payload stores nothing.
        var batch = EventLineFormat.RenderBatch(expectedNextSeq, events);
        var timestamps = new DateTime[events.Count];
        var types = new string[events.Count];
        var json = new string[events.Count];
        var start = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var end = Array.IndexOf(batch, (byte)'\n', start);
            json[i] = Encoding.UTF8.GetString(EventLineFormat.WithoutFraming(batch.AsSpan(start, end - start)));
            start = end + 1;
            timestamps[i] = TruncateToMilliseconds(events[i].Timestamp).UtcDateTime;
            types[i] = events[i].Type;
        }

        cancellationToken.ThrowIfCancellationRequested();
        long found;
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT duragent_append_events($1, $2, $3, $4, $5, $6)");
            command.Parameters.Add(Text(type));
            command.Parameters.Add(Text(key));
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedNextSeq });
            command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = timestamps, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = json, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

            // Not cancellable once sent: the append completes (or fails) regardless, as the contract says.
            found = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
            _health.ReportSuccess();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw Conflict(type, key, expectedNextSeq, null, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, Location(type, key));
        }

        if (found != expectedNextSeq)
        {
            throw Conflict(type, key, expectedNextSeq, found, null);
        }

        return expectedNextSeq + events.Count;
    }

    /// <inheritdoc />
    public async Task<OrderedAppend> AppendOrderedAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, long reserveThrough = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (reserveThrough != 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(reserveThrough, expectedNextSeq + events.Count - 1);
        }

        var next = await AppendAsync(grainId, expectedNextSeq, events, cancellationToken);
        return new OrderedAppend(next, Task.CompletedTask);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSeq);
        var (type, key) = PostgresKeys.Of(grainId);

        // One statement, one snapshot: a compaction moving rows to the archive meanwhile cannot make a read skip or
        // repeat an event.
        await using var command = _dataSource.CreateCommand(
            """
            SELECT seq, ts, type, json FROM duragent_events_archive WHERE grain_type = $1 AND grain_key = $2 AND seq >= $3
            UNION ALL
            SELECT seq, ts, type, json FROM duragent_events WHERE grain_type = $1 AND grain_key = $2 AND seq >= $3
            ORDER BY seq
            """);
        command.Parameters.Add(Text(type));
        command.Parameters.Add(Text(key));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSeq });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var timestamp = new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero);
            yield return new StoredEvent(reader.GetInt64(0), timestamp, reader.GetString(2), Encoding.UTF8.GetBytes(reader.GetString(3)));
        }
    }

    /// <inheritdoc />
    public async Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown compaction mode.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(throughSeq);
        var (type, key) = PostgresKeys.Of(grainId);
        if (mode == CompactionMode.Keep)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long firstSeq = 1, nextSeq = 1;
        await using (var head = new NpgsqlCommand("SELECT first_seq, next_seq FROM duragent_event_logs WHERE grain_type = $1 AND grain_key = $2 FOR UPDATE", connection, transaction))
        {
            head.Parameters.Add(Text(type));
            head.Parameters.Add(Text(key));
            await using var reader = await head.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                firstSeq = reader.GetInt64(0);
                nextSeq = reader.GetInt64(1);
            }
        }

        if (throughSeq >= nextSeq)
        {
            throw new ArgumentOutOfRangeException(nameof(throughSeq), throughSeq,
                $"Cannot compact {Location(type, key)} through seq {throughSeq}: its last event is {nextSeq - 1}.");
        }

        if (throughSeq < firstSeq)
        {
            return;
        }

        var sql = mode == CompactionMode.Archive
            ? """
              WITH moved AS (DELETE FROM duragent_events WHERE grain_type = @type AND grain_key = @key AND seq <= @through RETURNING *)
              INSERT INTO duragent_events_archive SELECT * FROM moved
              """
            : """
              DELETE FROM duragent_events_archive WHERE grain_type = @type AND grain_key = @key AND seq <= @through;
              DELETE FROM duragent_events WHERE grain_type = @type AND grain_key = @key AND seq <= @through;
              UPDATE duragent_event_logs SET first_seq = @through + 1 WHERE grain_type = @type AND grain_key = @key
              """;
        try
        {
            await using (var compact = new NpgsqlCommand(sql, connection, transaction))
            {
                compact.Parameters.Add(new NpgsqlParameter<string>("type", type));
                compact.Parameters.Add(new NpgsqlParameter<string>("key", key));
                compact.Parameters.Add(new NpgsqlParameter<long>("through", throughSeq));
                await compact.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _health.ReportSuccess();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, Location(type, key));
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        var (type, key) = PostgresKeys.Of(grainId);
        await using var command = _dataSource.CreateCommand(
            """
            DELETE FROM duragent_events_archive WHERE grain_type = @type AND grain_key = @key;
            DELETE FROM duragent_events WHERE grain_type = @type AND grain_key = @key;
            DELETE FROM duragent_event_logs WHERE grain_type = @type AND grain_key = @key
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("type", type));
        command.Parameters.Add(new NpgsqlParameter<string>("key", key));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            _health.ReportSuccess();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, Location(type, key));
        }
    }

    internal static string Location(string type, string key) => $"the event log of {type}/{key}";

    private static InconsistentStateException Conflict(string type, string key, long expected, long? found, Exception? inner)
    {
        var stored = found?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
        var message = found is null
            ? $"Append to {Location(type, key)} expected next seq {expected}, but another writer stored that seq first; nothing was written."
            : $"Append to {Location(type, key)} expected next seq {expected}, but the log's next seq is {found}; nothing was written.";
        return inner is null
            ? new InconsistentStateException(message, stored, expected.ToString(CultureInfo.InvariantCulture))
            : new InconsistentStateException(message, inner);
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset timestamp) =>
        new(timestamp.UtcTicks - (timestamp.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    internal static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };
}
