namespace Duragent.Storage.Postgres.Tests;

/// <summary>A test that needs the PostgreSQL server: skipped with the reason when it is not installed outside CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresServer.SkipReason;
}
