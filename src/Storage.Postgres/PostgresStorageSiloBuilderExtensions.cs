using Duragent.Storage;
using Duragent.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>Registration of the PostgreSQL storage provider and clustering in an Orleans silo or client.</summary>
public static class PostgresStorageSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql, as Orleans' ADO.NET providers name it.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Makes PostgreSQL the silo's storage: Orleans' default <see cref="IGrainStorage"/> (and the one named
    /// <c>postgres</c>), the reminder service with the PostgreSQL <see cref="IReminderTable"/>, and
    /// <see cref="IEventLogStorage"/>, <see cref="IGrainCatalog"/> and <see cref="IStorageHealth"/>. At the first stage
    /// of the silo's start the schema version is checked: an older schema fails the start with a
    /// <see cref="SchemaVersionException"/> that names <c>duragent db migrate</c>.
    /// </summary>
    public static ISiloBuilder AddPostgresStorage(this ISiloBuilder builder, Action<PostgresStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<PostgresStorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStorageOptions>, OptionsValidator>());
        services.TryAddSingleton(sp => new PostgresStorageProvider(
            sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value,
            sp.GetService<IActivatorProvider>()));
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, static (sp, _) => sp.GetRequiredService<PostgresStorageProvider>().GrainStorage);
        services.AddGrainStorage(PostgresStorageOptions.StorageName, static (sp, _) => sp.GetRequiredService<PostgresStorageProvider>().GrainStorage);
        services.AddSingleton<IReminderTable>(static sp => sp.GetRequiredService<PostgresStorageProvider>().Reminders);
        services.AddSingleton<IEventLogStorage>(static sp => sp.GetRequiredService<PostgresStorageProvider>().EventLog);
        services.AddSingleton<IGrainCatalog>(static sp => sp.GetRequiredService<PostgresStorageProvider>().Catalog);
        services.AddSingleton<IStorageHealth>(static sp => sp.GetRequiredService<PostgresStorageProvider>().Health);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaCheck>();
        builder.AddReminders();
        return builder;
    }

    /// <summary>Orleans' ADO.NET clustering on PostgreSQL (the membership table of <c>Schema/001_initial.sql</c>).</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var effective = new PostgresStorageOptions { ConnectionString = connectionString }.EffectiveConnectionString();
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = effective;
        });
    }

    /// <summary>An Orleans client that finds the cluster's gateways in the PostgreSQL membership table.</summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var effective = new PostgresStorageOptions { ConnectionString = connectionString }.EffectiveConnectionString();
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = effective;
        });
    }

    private sealed class OptionsValidator : IValidateOptions<PostgresStorageOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgresStorageOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    // Before anything else of the silo starts (membership reads its queries from the schema): an older schema, or none,
    // stops the start with the command that fixes it instead of an error deep in Orleans' clustering.
    private sealed class SchemaCheck(PostgresStorageProvider provider, IOptions<PostgresStorageOptions> options) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(SchemaCheck), ServiceLifecycleStage.First, cancellationToken =>
                PostgresSchema.EnsureCurrentAsync(provider.DataSource, options.Value.MigrateCommand, cancellationToken));
    }
}
