using System.Text.Json;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Duragent.Gateway.Http.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Livez_AnswersOkAsPlainText()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("livez");

        await Http.ExpectAsync(response, 200);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_ReportsWorkspaceHashVersionAndPid()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("readyz");

        await Http.ExpectAsync(response, 200);
        var ready = await Http.ReadAsync(response, GatewayJsonContext.Default.ReadyStatus);
        Assert.Equal("ok", ready.Status);
        Assert.Equal(kit.Workspace.Hash, ready.WorkspaceHash);
        Assert.Equal(Environment.ProcessId, ready.Pid);
        Assert.Equal(DuragentVersion.Version, ready.Version);
        var json = await Http.JsonAsync(response);
        Assert.True(json.TryGetProperty("workspace_hash", out _));
    }

    [Fact]
    public async Task Readyz_WithoutTheToken_TellsOnlyTheStatus()
    {
        await using var kit = await GatewayKit.StartAsync();
        using var anonymous = kit.NewAnonymousClient();
        using var wrong = kit.NewClient("not-the-token");

        foreach (var client in new[] { anonymous, wrong })
        {
            using var response = await client.GetAsync("readyz");
            await Http.ExpectAsync(response, 200);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal("""{"status":"ok"}""", body);
            Assert.DoesNotContain(kit.Workspace.Hash, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Readyz_Is503WhileStartingAndWhileStopping()
    {
        var blocker = new LifecycleBlocker();
        // First in the list: it stops last, after the gateway has seen the host begin to stop.
        await using var kit = await GatewayKit.StartAsync(start: false, services: s => s.Insert(0, ServiceDescriptor.Singleton<IHostedService>(blocker)));

        var starting = kit.App.StartAsync();
        await blocker.Started.Task.WaitFor("the host to reach its 'started' phase");
        kit.Connect();
        using (var response = await kit.Client.GetAsync("readyz"))
        {
            var problem = await Http.ProblemAsync(response, 503, ProblemCodes.NotReady);
            Assert.Contains("starting", problem.Detail, StringComparison.Ordinal);
        }

        blocker.ReleaseStart.SetResult();
        await starting.WaitFor("the host to start");
        using (var response = await kit.Client.GetAsync("readyz"))
        {
            await Http.ExpectAsync(response, 200);
        }

        var stopping = kit.StopAsync();
        await blocker.Stopping.Task.WaitFor("the host to begin stopping");
        using (var client = kit.NewClient())
        using (var response = await client.GetAsync("readyz"))
        {
            var problem = await Http.ProblemAsync(response, 503, ProblemCodes.NotReady);
            Assert.Contains("stopping", problem.Detail, StringComparison.Ordinal);
        }

        blocker.ReleaseStop.SetResult();
        await stopping.WaitFor("the host to stop");
    }

    [Fact]
    public async Task Version_ReportsVersionCommitBuildDateRuntimeAndOs()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("version");

        await Http.ExpectAsync(response, 200);
        var json = await Http.JsonAsync(response);
        Assert.Equal("0.1.0", json.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("commit").GetString()));
        Assert.False(string.IsNullOrEmpty(json.GetProperty("build_date").GetString()));
        Assert.StartsWith(".NET", json.GetProperty("runtime").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("os").GetString()));
    }

    /// <summary>Holds the host in its "started" phase (Kestrel listening, not yet ready) and in its "stopping" phase.</summary>
    private sealed class LifecycleBlocker : IHostedLifecycleService
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseStart { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopping { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseStop { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StartedAsync(CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await ReleaseStart.Task;
        }

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            Stopping.TrySetResult();
            await ReleaseStop.Task;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
