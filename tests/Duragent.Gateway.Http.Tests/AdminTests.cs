using Duragent.FakeLlm;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Duragent.Gateway.Http.Tests;

public sealed class AdminTests
{
    [Fact]
    public async Task Shutdown_Answers202_StopsGracefully_AndASecondRequestIs409()
    {
        var blocker = new StopBlocker();
        await using var kit = await GatewayKit.StartAsync(services: s => s.Insert(0, ServiceDescriptor.Singleton<IHostedService>(blocker)));
        kit.Llm.Enqueue(FakeResponse.Text("kept"));
        var session = await kit.CreateSessionAsync();
        using (var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"remember me"}""")))
        {
            await Http.ExpectAsync(sent, 200);
        }

        using var first = await kit.Client.PostAsync("api/admin/v1/shutdown", null);

        await Http.ExpectAsync(first, 202);
        Assert.Equal("shutting_down", (await Http.ReadAsync(first, GatewayJsonContext.Default.ShutdownStatus)).Status);
        await blocker.Stopping.Task.WaitFor("the host to begin stopping");
        using (var client = kit.NewClient())
        {
            using var second = await client.PostAsync("api/admin/v1/shutdown", null);
            await Http.ProblemAsync(second, 409, ProblemCodes.ShuttingDown);
            using var ready = await client.GetAsync("readyz");
            await Http.ProblemAsync(ready, 503, ProblemCodes.NotReady);
        }

        blocker.Release.SetResult();
        await kit.Stopped.WaitFor("the server to stop after the admin shutdown");

        await using var restarted = await kit.RestartAsync();
        var info = await restarted.GetSessionAsync(session.SessionId);
        Assert.Equal(2, info.MessageCount);
    }

    [Fact]
    public async Task Reload_ReadsEveryAgentAgain_AndReportsErrors_UnderBothNames()
    {
        await using var kit = await GatewayKit.StartAsync();
        using (var before = await kit.Client.PostAsync("api/admin/v1/reload", null))
        {
            await Http.ExpectAsync(before, 200);
            var clean = await Http.ReadAsync(before, GatewayJsonContext.Default.ReloadResult);
            Assert.Equal(1, clean.Agents);
            Assert.Empty(clean.Errors);
        }

        GatewayKit.WriteAgent(kit.Root, "second", kit.Llm);
        var broken = Path.Combine(kit.Root, "agents", "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "agent.yaml"), "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: broken\n");

        using var reload = await kit.Client.PostAsync("api/admin/v1/reload-agents", null);

        await Http.ExpectAsync(reload, 200);
        var result = await Http.ReadAsync(reload, GatewayJsonContext.Default.ReloadResult);
        Assert.Equal(2, result.Agents);
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, e => Assert.StartsWith("broken: agents/broken/agent.yaml", e, StringComparison.Ordinal));
    }

    /// <summary>Holds the host in its stopping phase (first registered, so it stops after the gateway noticed).</summary>
    private sealed class StopBlocker : IHostedLifecycleService
    {
        public TaskCompletionSource Stopping { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            Stopping.TrySetResult();
            await Release.Task;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
