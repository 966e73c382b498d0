using System.Globalization;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace Duragent.Storage.Postgres;

/// <summary>
/// Orleans' <see cref="IReminderTable"/> on <c>duragent_reminders</c>, under Orleans' own reminder service (which owns
/// the ring ranges, the ticks and the failover of a dead silo's rows). Same contract as the file table: unconditional
/// upserts with a new ETag each time (from one sequence, so a row made again never reuses an old ETag), removals
/// conditional on the ETag, ring ranges <c>(begin, end]</c> wrapping when <c>begin ≥ end</c>, grain ids and names
/// checked with <see cref="GrainKey"/>, start times kept to the 100 ns tick.
/// </summary>
public sealed class PostgresReminderTable : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_ticks, period_ticks, version";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly PostgresStorageHealth _health;

    internal PostgresReminderTable(NpgsqlDataSource dataSource, string serviceId, PostgresStorageHealth health)
    {
        _dataSource = dataSource;
        _serviceId = serviceId;
        _health = health;
    }

    /// <inheritdoc />
    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        var id = GrainIdText(grainId);
        await using var command = Command($"SELECT {Columns} FROM duragent_reminders WHERE service_id = $1 AND grain_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return new ReminderTableData(await ReadEntriesAsync(command));
    }

    /// <inheritdoc />
    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        var range = begin < end ? "grain_hash > $2 AND grain_hash <= $3" : "(grain_hash > $2 OR grain_hash <= $3)";
        await using var command = Command($"SELECT {Columns} FROM duragent_reminders WHERE service_id = $1 AND {range}");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = begin });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = end });
        return new ReminderTableData(await ReadEntriesAsync(command));
    }

    /// <inheritdoc />
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var id = GrainIdText(grainId);
        GrainKey.Validate(reminderName, "reminder name");
        await using var command = Command($"SELECT {Columns} FROM duragent_reminders WHERE service_id = $1 AND grain_id = $2 AND reminder_name = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reminderName });
        return (await ReadEntriesAsync(command)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var id = GrainIdText(entry.GrainId);
        GrainKey.Validate(entry.ReminderName, "reminder name");
        if (entry.Period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Period,
                $"The reminder {id}/{entry.ReminderName} needs a positive period (Orleans cannot schedule {entry.Period}); for a one-shot reminder, remove it in its first tick.");
        }

        await using var command = Command(
            """
            INSERT INTO duragent_reminders (service_id, grain_id, reminder_name, grain_hash, start_ticks, period_ticks, version)
            VALUES ($1, $2, $3, $4, $5, $6, nextval('duragent_reminder_versions'))
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET grain_hash = excluded.grain_hash,
                start_ticks = excluded.start_ticks, period_ticks = excluded.period_ticks, version = excluded.version
            RETURNING version
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.ReminderName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.GrainId.GetUniformHashCode() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ToUtc(entry.StartAt).Ticks });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Period.Ticks });
        try
        {
            var version = (long)(await command.ExecuteScalarAsync())!;
            _health.ReportSuccess();
            return version.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, $"the reminder {id}/{entry.ReminderName}");
        }
    }

    /// <inheritdoc />
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var id = GrainIdText(grainId);
        GrainKey.Validate(reminderName, "reminder name");
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        await using var command = Command("DELETE FROM duragent_reminders WHERE service_id = $1 AND grain_id = $2 AND reminder_name = $3 AND version = $4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reminderName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        try
        {
            var removed = await command.ExecuteNonQueryAsync() > 0;
            _health.ReportSuccess();
            return removed;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw _health.Observe(ex, $"the reminder {id}/{reminderName}");
        }
    }

    /// <inheritdoc />
    public async Task TestOnlyClearTable()
    {
        await using var command = Command("DELETE FROM duragent_reminders WHERE service_id = $1");
        await command.ExecuteNonQueryAsync();
    }

    private static string GrainIdText(GrainId grainId)
    {
        PostgresKeys.Of(grainId);
        return grainId.ToString();
    }

    private static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    private static async Task<List<ReminderEntry>> ReadEntriesAsync(NpgsqlCommand command)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }

        return entries;
    }

    private NpgsqlCommand Command(string sql)
    {
        var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        return command;
    }
}
