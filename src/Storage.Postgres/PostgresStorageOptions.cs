using Npgsql;

namespace Duragent.Storage.Postgres;

/// <summary>Options of the PostgreSQL storage provider (<c>storage:</c> in <c>duragent.yaml</c>).</summary>
public sealed class PostgresStorageOptions
{
    /// <summary>The name the provider's <c>IGrainStorage</c> is also registered under: <c>postgres</c>.</summary>
    public const string StorageName = "postgres";

    /// <summary>The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>). Required.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The Orleans service id the reminder rows belong to, so that several services can share a database. Set from
    /// <c>cluster.service_id</c>; <c>duragent</c> by default.
    /// </summary>
    public string ServiceId { get; set; } = "duragent";

    /// <summary>
    /// The command an operator runs to create or upgrade the schema, named when a silo refuses an old one; the host
    /// sets it with the actual configuration file.
    /// </summary>
    public string MigrateCommand { get; set; } = PostgresSchema.MigrateCommand;

    /// <summary>Problems with the options, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add("PostgreSQL storage: storage.connection_string is required (for example Host=db;Database=duragent;Username=duragent;Password=${DURAGENT_PG_PASSWORD}).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (ArgumentException ex)
            {
                problems.Add($"PostgreSQL storage: storage.connection_string is not a valid connection string: {ex.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("PostgreSQL storage: the service id must not be empty.");
        }

        return problems;
    }

    /// <summary>
    /// The connection string every Duragent connection uses: the configured one with the session time zone fixed to UTC
    /// (Orleans' ADO.NET clustering sends some times without a zone, which PostgreSQL reads in the session's zone).
    /// </summary>
    public string EffectiveConnectionString() =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Timezone = "UTC" }.ConnectionString;
}
