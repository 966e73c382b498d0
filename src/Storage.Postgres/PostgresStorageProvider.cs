using Duragent.Storage.File;
using Npgsql;
using Orleans.Serialization.Serializers;

namespace Duragent.Storage.Postgres;

/// <summary>
/// The PostgreSQL provider: one Npgsql data source (its connection pool) shared by the event log, the grain storage,
/// the reminder table and the catalog. Opening it does not touch the database; <see cref="PostgresSchema"/> checks and
/// migrates the schema.
/// </summary>
public sealed class PostgresStorageProvider : IAsyncDisposable, IDisposable
{
    public PostgresStorageProvider(PostgresStorageOptions options, IActivatorProvider? activators = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        DataSource = NpgsqlDataSource.Create(options.EffectiveConnectionString());
        Health = new PostgresStorageHealth();
        EventLog = new PostgresEventLogStorage(DataSource, Health);
        GrainStorage = new PostgresGrainStorage(DataSource, activators ?? StandaloneActivators.Instance, Health);
        Reminders = new PostgresReminderTable(DataSource, options.ServiceId, Health);
        Catalog = new PostgresGrainCatalog(DataSource);
    }

    /// <summary>The connection pool.</summary>
    public NpgsqlDataSource DataSource { get; }

    public PostgresEventLogStorage EventLog { get; }

    public PostgresGrainStorage GrainStorage { get; }

    public PostgresReminderTable Reminders { get; }

    public PostgresGrainCatalog Catalog { get; }

    public PostgresStorageHealth Health { get; }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
