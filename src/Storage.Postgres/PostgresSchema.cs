using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Duragent.Storage.Postgres;

/// <summary>
/// The versioned PostgreSQL schema: migrations <c>Schema/NNN_name.sql</c> (embedded), applied in order by
/// <see cref="MigrateAsync"/>, each in its own transaction together with the new version in <c>duragent_schema</c>.
/// Several processes may migrate at once: each takes a session advisory lock first, so one applies what is missing and
/// the others find nothing left to do.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The schema version this build needs and creates: 1.</summary>
    public const int RequiredVersion = 1;

    /// <summary>The advisory lock key migrations hold (an arbitrary constant: "duragent" in ASCII, as a number).</summary>
    public const long MigrationLockKey = 0x6475_7261_6765_6E74;

    /// <summary>The command that creates or upgrades the schema, as an operator types it.</summary>
    public const string MigrateCommand = "duragent db migrate --config <duragent.yaml>";

    private const string VersionTable = "duragent_schema";

    private static readonly Lazy<IReadOnlyList<Migration>> s_migrations = new(LoadMigrations);

    /// <summary>Every migration this build knows, in order (versions 1, 2, …).</summary>
    public static IReadOnlyList<Migration> Migrations => s_migrations.Value;

    /// <summary>
    /// The schema version of the database (0 when Duragent's schema is not there), read without a lock.
    /// </summary>
    public static async Task<int> GetVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadVersionAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Applies the migrations the database lacks, up to <paramref name="targetVersion"/> (all of them by default), and
    /// returns the versions it applied (empty when the schema was current). Safe to run from several processes at once.
    /// </summary>
    /// <exception cref="SchemaVersionException">The database holds a newer schema than this build knows.</exception>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, int targetVersion = RequiredVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetVersion, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetVersion, Migrations.Count);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            // Under the lock, so that two first migrations never race to create it.
            await ExecuteAsync(connection, null,
                $"CREATE TABLE IF NOT EXISTS {VersionTable} (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), description text NOT NULL)",
                cancellationToken);
            var current = await ReadVersionAsync(connection, null, cancellationToken);
            if (current > Migrations.Count)
            {
                throw new SchemaVersionException(current, RequiredVersion,
                    $"The database's Duragent schema is version {current}, newer than this build knows ({Migrations.Count}); upgrade duragent.");
            }

            var applied = new List<int>();
            foreach (var migration in Migrations.Where(m => m.Version > current && m.Version <= targetVersion))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand($"INSERT INTO {VersionTable} (version, description) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
            }

            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Throws <see cref="SchemaVersionException"/> unless the database holds at least <see cref="RequiredVersion"/>;
    /// the message names the command that fixes it.
    /// </summary>
    public static async Task EnsureCurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        await EnsureCurrentAsync(dataSource, MigrateCommand, cancellationToken);

    /// <summary>As <see cref="EnsureCurrentAsync(NpgsqlDataSource, CancellationToken)"/>, naming <paramref name="migrateCommand"/> as the fix.</summary>
    public static async Task EnsureCurrentAsync(NpgsqlDataSource dataSource, string migrateCommand, CancellationToken cancellationToken = default)
    {
        var version = await GetVersionAsync(dataSource, cancellationToken);
        if (version < RequiredVersion)
        {
            var found = version == 0 ? "has no Duragent schema" : $"has Duragent schema version {version}";
            throw new SchemaVersionException(version, RequiredVersion,
                $"The PostgreSQL database {Describe(dataSource)} {found}; this build needs version {RequiredVersion}. Run `{migrateCommand}` first.");
        }
    }

    /// <summary>Host and database of <paramref name="dataSource"/>, without credentials.</summary>
    public static string Describe(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return $"'{builder.Database}' on {builder.Host}:{builder.Port}";
    }

    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass('{VersionTable}') IS NULL THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM {VersionTable}) END",
            connection, transaction);
        try
        {
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The table vanished between the check and the read (a drop while a process starts): no schema.
            return 0;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadMigrations()
    {
        const string prefix = "Duragent.Storage.Postgres.Schema.";
        var assembly = typeof(PostgresSchema).Assembly;
        var migrations = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = name[prefix.Length..];
            var version = int.Parse(file.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, Path.GetFileNameWithoutExtension(file), reader.ReadToEnd()));
        }

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Schema migrations must be numbered 1, 2, … without gaps; found {migrations[i].Name} at position {i + 1}.");
            }
        }

        return migrations;
    }
}

/// <summary>One schema migration: its version, its name (the file name) and its SQL.</summary>
public sealed record Migration(int Version, string Name, string Sql);
