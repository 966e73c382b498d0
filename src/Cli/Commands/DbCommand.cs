using System.CommandLine;
using Duragent.Configuration;
using Duragent.Storage.Postgres;
using Npgsql;

namespace Duragent.Cli.Commands;

/// <summary>
/// <c>duragent db migrate [--config FILE]</c>: creates or upgrades the PostgreSQL schema of the configured
/// <c>storage:</c> (Orleans' membership tables and Duragent's). Safe to run from several machines at once.
/// </summary>
internal static class DbCommand
{
    public static Command Create(CommandBinder binder)
    {
        var migrate = new Command("migrate", "Create or upgrade the PostgreSQL schema (versioned, idempotent, safe to run concurrently)");
        binder.Bind(migrate, async (context, cancellationToken) =>
        {
            var connectionString = RequirePostgres(context.Config);
            await using var dataSource = NpgsqlDataSource.Create(new PostgresStorageOptions { ConnectionString = connectionString }.EffectiveConnectionString());
            IReadOnlyList<int> applied;
            try
            {
                applied = await PostgresSchema.MigrateAsync(dataSource, cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or SchemaVersionException or TimeoutException)
            {
                throw new CliException($"Cannot migrate {PostgresSchema.Describe(dataSource)}: {ex.Message}", ex);
            }

            context.Console.Out.WriteLine(applied.Count == 0
                ? $"Schema of {PostgresSchema.Describe(dataSource)} is current (version {PostgresSchema.RequiredVersion})."
                : $"Migrated {PostgresSchema.Describe(dataSource)} to version {applied[^1]} (applied {string.Join(", ", applied)}).");
            return ExitCodes.Success;
        });
        return new Command("db", "Manage the PostgreSQL database of a clustered deployment") { migrate };
    }

    /// <summary>The connection string of a postgres workspace; a file workspace is an error that says so.</summary>
    public static string RequirePostgres(DuragentConfig config)
    {
        if (config.Storage.Provider != StorageProvider.Postgres || config.Storage.ConnectionString is null)
        {
            throw new CliException($"{config.ConfigFile} does not use PostgreSQL: set storage: {{ provider: postgres, connection_string: ... }} (file storage needs no migration).");
        }

        return config.Storage.ConnectionString;
    }
}
