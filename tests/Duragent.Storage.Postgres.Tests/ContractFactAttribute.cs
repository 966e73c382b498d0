namespace Duragent.Storage.File.Tests;

// The contract suites (linked from Duragent.Storage.File.Tests) ask here whether their backend is there: outside CI
// a machine without PostgreSQL skips them with the reason; in CI a missing server fails them.

[AttributeUsage(AttributeTargets.Method)]
internal sealed class ContractFactAttribute : FactAttribute
{
    public ContractFactAttribute() => Skip = Postgres.Tests.PostgresServer.SkipReason;
}

[AttributeUsage(AttributeTargets.Method)]
internal sealed class ContractTheoryAttribute : TheoryAttribute
{
    public ContractTheoryAttribute() => Skip = Postgres.Tests.PostgresServer.SkipReason;
}
