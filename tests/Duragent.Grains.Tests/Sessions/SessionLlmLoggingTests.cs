using System.Net;
using System.Net.Sockets;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Microsoft.Extensions.Logging;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionLlmLoggingTests
{
    [Fact]
    public async Task UnreachableModel_LogsOneLinePerAttempt_AndTheStackTraceOnlyAtDebug()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.MaxLlmAttempts = 2, llm: o => o.MaxAttempts = 2);
        var url = $"http://127.0.0.1:{ClosedPort()}/v1";
        var yaml = Path.Combine(kit.AgentDirectory(), "agent.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace(kit.Llm.OpenAiBaseUrl, url, StringComparison.Ordinal));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "hi");

        Assert.Equal(SessionStatus.Failed, result.Status);
        Assert.All(await kit.EventsAsync<LlmCallFailed>(id), e => Assert.Equal("llm_unreachable", e.Code));
        var visible = kit.Silo.Logs.Where(r => r.Level >= LogLevel.Information).ToList();
        Assert.All(visible, r => Assert.True(r.Exception is null, $"{r.Level} {r.Category}: {r.Message} carries {r.Exception?.GetType().Name}"));
        var retries = visible.Where(r => r.Category.StartsWith("Duragent.Llm", StringComparison.Ordinal) && r.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, retries.Count);
        Assert.All(retries, r => Assert.Contains($"at {url} failed (unreachable, attempt 1 of 2); retrying in ", r.Message, StringComparison.Ordinal));
        var sessionLines = visible.Where(r => r.Category == typeof(SessionGrain).FullName && r.Level == LogLevel.Warning && r.Message.Contains("LLM call", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, sessionLines.Count);
        Assert.Contains("to openai failed (unreachable, attempt 1 of 2, retrying now): could not reach openai at", sessionLines[0].Message, StringComparison.Ordinal);
        Assert.Contains("(unreachable, attempt 2 of 2, giving up)", sessionLines[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', sessionLines[1].Message);
        var details = kit.Silo.Logs.Where(r => r.Level == LogLevel.Debug && r.Exception is not null).ToList();
        Assert.Equal(4, details.Count);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
