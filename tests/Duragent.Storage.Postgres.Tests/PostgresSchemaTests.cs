using Npgsql;

namespace Duragent.Storage.Postgres.Tests;

/// <summary><c>db migrate</c>'s engine: versioned, idempotent, safe from several processes at once, and the check a silo makes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Migrate_OnAnEmptyDatabase_AppliesEveryVersion_AndASecondRunAppliesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));
        Assert.Equal(0, await PostgresSchema.GetVersionAsync(dataSource));

        var first = await PostgresSchema.MigrateAsync(dataSource);
        var second = await PostgresSchema.MigrateAsync(dataSource);

        Assert.Equal(Enumerable.Range(1, PostgresSchema.RequiredVersion), first);
        Assert.Empty(second);
        Assert.Equal(PostgresSchema.RequiredVersion, await PostgresSchema.GetVersionAsync(dataSource));
        await PostgresSchema.EnsureCurrentAsync(dataSource);
    }

    [PostgresFact]
    public async Task Migrate_FromEightConnectionsAtOnce_AppliesEachVersionExactlyOnce()
    {
        var connectionString = await server.CreateDatabaseAsync("schema");
        var sources = Enumerable.Range(0, 8).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            using var start = new ManualResetEventSlim();
            var runs = sources.Select(s => Task.Run(async () =>
            {
                start.Wait();
                return await PostgresSchema.MigrateAsync(s);
            })).ToList();
            start.Set();
            var applied = await Task.WhenAll(runs);

            Assert.Equal(Enumerable.Range(1, PostgresSchema.RequiredVersion), applied.SelectMany(a => a).Order());
            await using var command = sources[0].CreateCommand("SELECT count(*) FROM duragent_schema");
            Assert.Equal((long)PostgresSchema.RequiredVersion, await command.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task EnsureCurrent_OnADatabaseWithoutTheSchema_NamesTheCommandThatFixesIt()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => PostgresSchema.EnsureCurrentAsync(dataSource));

        Assert.Equal(0, error.FoundVersion);
        Assert.Contains("duragent db migrate", error.Message);
    }

    [PostgresFact]
    public async Task Migrate_OnANewerSchemaThanThisBuildKnows_RefusesAndChangesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));
        await PostgresSchema.MigrateAsync(dataSource);
        await using (var command = dataSource.CreateCommand("INSERT INTO duragent_schema (version, description) VALUES (999, 'from the future')"))
        {
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => PostgresSchema.MigrateAsync(dataSource));

        Assert.Contains("upgrade duragent", error.Message);
        Assert.Equal(999, await PostgresSchema.GetVersionAsync(dataSource));
    }

    [PostgresFact]
    public async Task AFailingMigration_LeavesTheVersionWhereItWas()
    {
        // Version 1 applied halfway by hand (one of its tables exists): the migration fails as a whole, nothing of it
        // stays, and the version stays 0.
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));
        await using (var command = dataSource.CreateCommand("CREATE TABLE duragent_events (x int)"))
        {
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<PostgresException>(() => PostgresSchema.MigrateAsync(dataSource));

        Assert.Equal(0, await PostgresSchema.GetVersionAsync(dataSource));
        await using var check = dataSource.CreateCommand("SELECT to_regclass('duragent_event_logs') IS NULL");
        Assert.Equal(true, await check.ExecuteScalarAsync());
    }
}
