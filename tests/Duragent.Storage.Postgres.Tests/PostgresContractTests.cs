using Duragent.Storage.File.Tests;
using Orleans;
using Orleans.Storage;

namespace Duragent.Storage.Postgres.Tests;

// The storage contract suites against the PostgreSQL provider, on one migrated database per suite.

[Collection(PostgresCollection.Name)]
public sealed class PostgresEventLogContractTests(PostgresServer server) : EventLogContractTests
{
    private PostgresStorageProvider? _provider;

    protected override async Task<IEventLogStorage> CreateStorageAsync()
    {
        _provider = new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = await server.MigratedDatabaseAsync("events") });
        return _provider.EventLog;
    }

    protected override async Task DisposeStorageAsync() => await _provider!.DisposeAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresGrainStorageContractTests(PostgresServer server) : GrainStorageContractTests
{
    private PostgresStorageProvider? _provider;

    protected override async Task<IGrainStorage> CreateStorageAsync()
    {
        _provider = new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = await server.MigratedDatabaseAsync("state") });
        return _provider.GrainStorage;
    }

    protected override async Task DisposeStorageAsync() => await _provider!.DisposeAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresReminderTableContractTests(PostgresServer server) : ReminderTableContractTests
{
    private PostgresStorageProvider? _provider;

    // A service id per test: each starts with an empty table, as the suite expects, in one shared database.
    protected override async Task<IReminderTable> CreateTableAsync()
    {
        _provider = new PostgresStorageProvider(new PostgresStorageOptions
        {
            ConnectionString = await server.MigratedDatabaseAsync("reminders"),
            ServiceId = "svc-" + Guid.NewGuid().ToString("N"),
        });
        return _provider.Reminders;
    }

    protected override async Task DisposeTableAsync() => await _provider!.DisposeAsync();
}
