using System.Text.RegularExpressions;
using Duragent.FakeLlm;
using Duragent.Integration.Tests.Cli;
using Duragent.Storage.Postgres.Tests;

namespace Duragent.Integration.Tests.Cluster;

/// <summary>
/// Real <c>duragent</c> processes on one PostgreSQL database: <c>db migrate</c> from two machines at once, two
/// <c>serve</c> silos in one cluster, a session made through one and seen and continued through the other, and a
/// silo that refuses a database without the schema.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Slow")]
public sealed partial class PostgresClusterCliTests(PostgresServer server)
{
    [PostgresFact]
    public async Task TwoServeProcesses_ShareSessions_ThroughOneDatabase()
    {
        var connectionString = await server.CreateDatabaseAsync("cli");
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        await using var a = await ClusterWorkspaceAsync(connectionString, clusterId);
        await using var b = await ClusterWorkspaceAsync(connectionString, clusterId);

        // Two operators migrate at once: one applies, the other finds it done; both succeed.
        var migrations = await Task.WhenAll(a.RunAsync(string.Empty, "db", "migrate"), b.RunAsync(string.Empty, "db", "migrate"));
        Assert.All(migrations, m => Assert.True(m.ExitCode == 0, m.ToString()));
        Assert.Single(migrations, m => m.Stdout.Contains("Migrated", StringComparison.Ordinal));
        var doctor = await a.RunAsync(string.Empty, "doctor", "--offline");
        Assert.Contains("Schema version 1 (current).", doctor.Stdout, StringComparison.Ordinal);

        await a.ServeAsync();
        await b.ServeAsync();
        foreach (var llm in new[] { a.Llm, b.Llm })
        {
            llm.Enqueue(FakeResponse.Text("first", " answer"), FakeResponse.Text("second", " answer"));
        }

        var chat = await a.RunAsync("hi\n/exit\n", "chat", "-a", "assistant");
        Assert.True(chat.ExitCode == 0, chat.ToString());
        var sessionId = SessionIdPattern().Match(chat.Stdout).Value;
        Assert.NotEmpty(sessionId);

        // The other workspace's CLI finds the cluster through the membership table (no --gateway) and sees the session.
        var list = await b.RunAsync(string.Empty, "session", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.True(Regex.IsMatch(list.Stdout, $@"{sessionId}\s+assistant\s+active\s+2\s"), list.Stdout);

        // And continues it: one activation, one log, whichever silo it lives on.
        var attach = await b.RunAsync("more\n/exit\n", "attach", sessionId);
        Assert.True(attach.ExitCode == 0, attach.ToString());
        Assert.Contains("second answer", attach.Stdout, StringComparison.Ordinal);
        // Read through the session grain itself (each silo's session list is a cache of its own; see docs/clustering.md).
        var show = await a.RunAsync(string.Empty, "session", "show", sessionId);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("first answer", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("second answer", show.Stdout, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Serve_OnADatabaseWithoutTheSchema_Refuses_NamingDbMigrateWithTheConfigFile()
    {
        var connectionString = await server.CreateDatabaseAsync("cli");
        await using var ws = await ClusterWorkspaceAsync(connectionString, "old");

        var serve = await ws.Start("serve").WaitForExitAsync(CliWorkspace.ProcessTimeout, "duragent serve on an empty database");

        Assert.NotEqual(0, serve.ExitCode);
        Assert.Contains($"Run `duragent db migrate --config {ws.ConfigFile}` first.", serve.Stderr, StringComparison.Ordinal);
    }

    private static async Task<CliWorkspace> ClusterWorkspaceAsync(string connectionString, string clusterId)
    {
        var ws = await CliWorkspace.CreateAsync();
        await File.AppendAllTextAsync(ws.ConfigFile,
            $"storage:\n  provider: postgres\n  connection_string: \"{connectionString}\"\n" +
            $"cluster:\n  cluster_id: {clusterId}\n  service_id: {clusterId}\n  silo_port: {FreePort.Get()}\n  gateway_port: {FreePort.Get()}\n");
        return ws;
    }

    [GeneratedRegex("session_[0-9A-Z]{26}")]
    private static partial Regex SessionIdPattern();
}
