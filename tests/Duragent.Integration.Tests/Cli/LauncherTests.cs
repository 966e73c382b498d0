using Duragent.Cli;
using Duragent.Cli.Launcher;
using Duragent.Configuration;
using Duragent.Node;
using Duragent.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Duragent.Integration.Tests.Cli;

public sealed class LauncherTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-launcher");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ServeCommand_BindsLoopbackOnTheConfiguredPort_Ephemeral_Detached()
    {
        var workspace = Workspace(port: 4242, idleSeconds: 60);

        var command = new ServerLauncher(workspace).BuildServeCommand();

        var dll = command.ToList().IndexOf(Path.Combine(AppContext.BaseDirectory, "duragent.dll"));
        Assert.True(dll <= 1, string.Join(' ', command));
        Assert.Equal(
            ["serve", "--config", workspace.ConfigFile, "--host", "127.0.0.1", "--port", "4242", "--ephemeral", "60", "--detach"],
            command.Skip(dll + 1));
    }

    [Fact]
    public void ServeCommand_WithIdleShutdownOff_RunsUntilStopped()
    {
        var command = new ServerLauncher(Workspace(port: 4242, idleSeconds: 0)).BuildServeCommand();

        Assert.DoesNotContain("--ephemeral", command);
    }

    [Fact]
    public void NodeFile_Garbage_Truncated_Oversized_OrIncomplete_IsNoServer()
    {
        var workspace = Workspace(FreePort.Get(), 300);
        Directory.CreateDirectory(Path.GetDirectoryName(workspace.NodeFile)!);
        foreach (var content in new[] { "", "not json", "{\"pid\": 12, \"gateway\": \"127.0.0.1:", "{\"pid\": 0, \"silo\": \"s\", \"gateway\": \"127.0.0.1:1\", \"workspace_hash\": \"h\"}",
            "{\"pid\": 12}", "[1,2,3]", new string(' ', 70 * 1024) + "{}" })
        {
            File.WriteAllText(workspace.NodeFile, content);
            Assert.Null(NodeEndpoint.TryRead(workspace.NodeFile));
        }

        Assert.Null(NodeEndpoint.TryRead(Path.Combine(_dir.Path, "missing.json")));
    }

    [Fact]
    public void NodeFile_OfADeadProcess_IsReadButItsProcessIsGone()
    {
        var workspace = Workspace(FreePort.Get(), 300);
        Directory.CreateDirectory(Path.GetDirectoryName(workspace.NodeFile)!);
        using var gone = System.Diagnostics.Process.Start("true")!;
        gone.WaitForExit();
        File.WriteAllText(workspace.NodeFile, $$"""{"pid": {{gone.Id}}, "silo": "127.0.0.1:1@1", "gateway": "127.0.0.1:9", "http": [], "workspace_hash": "{{workspace.Hash}}", "version": "0.1.0", "started_at": "2026-01-01T00:00:00Z"}""");

        var node = NodeEndpoint.TryRead(workspace.NodeFile);

        Assert.NotNull(node);
        Assert.Equal("127.0.0.1:9", node.GatewayEndPoint?.ToString());
        Assert.False(node.ProcessExists());
        Assert.True(new NodeEndpoint(Environment.ProcessId, "s", "127.0.0.1:9", [], "h", "v", DateTimeOffset.UtcNow).ProcessExists());
    }

    [Fact]
    public async Task ServerOfAnotherWorkspace_IsAnErrorNamingTheWayOut()
    {
        var port = FreePort.Get();
        var workspace = Workspace(port, 300);
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/readyz", () => Results.Json(new { status = "ok", workspace_hash = new string('f', 64), version = "0.1.0", pid = 1 })), port);

        var error = await Assert.ThrowsAsync<CliException>(() => new ServerLauncher(workspace).ConnectAsync(CancellationToken.None));

        Assert.Contains($"The server on port {port} serves a different workspace", error.Message, StringComparison.Ordinal);
        Assert.Contains("duragent serve stop", error.Message, StringComparison.Ordinal);
        Assert.Contains("server.port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerThatDoesNotTakeThisWorkspacesToken_IsAnError_AndTheProbeSendsTheToken()
    {
        var port = FreePort.Get();
        var workspace = Workspace(port, 300);
        Duragent.Security.PrivateFiles.WriteAtomically(workspace.ApiTokenFile, "this-workspaces-token\n"u8);
        string? presented = null;
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/readyz", (HttpRequest request) =>
            {
                presented = request.Headers.Authorization.ToString();
                return Results.Json(new { status = "ok" });
            }), port);

        var error = await Assert.ThrowsAsync<CliException>(() => new ServerLauncher(workspace).ConnectAsync(CancellationToken.None));

        Assert.Contains($"The server on port {port} does not accept this workspace's API token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("this-workspaces-token", error.Message, StringComparison.Ordinal);
        Assert.Equal("Bearer this-workspaces-token", presented);
    }

    [Fact]
    public void SelfCommand_UnderTheDotnetHost_RunsTheDll()
    {
        Assert.True(SelfCommand.IsDotnetHost("/usr/share/dotnet/dotnet"));
        Assert.False(SelfCommand.IsDotnetHost("/usr/local/bin/duragent"));
    }

    private DuragentWorkspace Workspace(int port, int idleSeconds)
    {
        var config = DuragentConfig.CreateDefault(Path.Combine(_dir.Path, "duragent.yaml")) with
        {
            Server = new ServerConfig { Port = port },
            Client = new ClientConfig { IdleShutdownSeconds = idleSeconds },
        };
        return new DuragentWorkspace(config);
    }
}
