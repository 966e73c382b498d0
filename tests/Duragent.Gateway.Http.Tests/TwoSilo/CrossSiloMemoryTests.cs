using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// Sessions of one agent on both silos write memory at the same time: every write goes through the agent's one memory
/// grain, so the daily log keeps every line, once, with one date header per file.
/// </summary>
public sealed class CrossSiloMemoryTests
{
    private const int SessionsPerSilo = 3;
    private const int MessagesPerSession = 6;

    [Fact]
    public async Task ConcurrentRemembers_FromSessionsOnBothSilos_LoseNoLine()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var home = Path.Combine(kit.Root, "agents", "assistant");
        File.AppendAllText(Path.Combine(home, "agent.yaml"), "\n  memory: {}\n");

        // Every user message becomes a remember of its own text; every tool result is acknowledged in words.
        kit.Llm.Fallback = request =>
        {
            var last = request.Body!["messages"]!.AsArray()[^1]!;
            if (last["role"]!.GetValue<string>() == "tool")
            {
                return FakeResponse.Text("noted");
            }

            var arguments = JsonSerializer.Serialize(new Dictionary<string, string> { ["action"] = "remember", ["content"] = last["content"]!.GetValue<string>() });
            return FakeResponse.ToolCalls(FakeToolCall.Create("memory", arguments));
        };

        var sessions = new List<(string Id, ISessionGrain Grain)>();
        foreach (var silo in new[] { kit.Silo1, kit.Silo2 })
        {
            for (var i = 0; i < SessionsPerSilo; i++)
            {
                var id = await kit.CreateSessionOnAsync(silo, OnDisconnect.Continue);
                sessions.Add((id, silo.ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(id)));
            }
        }

        sessions.Take(SessionsPerSilo).ToList().ForEach(s => kit.AssertOnSilo1(s.Id));
        sessions.Skip(SessionsPerSilo).ToList().ForEach(s => kit.AssertOnSilo2(s.Id));

        await Task.WhenAll(sessions.Select((session, n) => Task.Run(async () =>
        {
            for (var m = 0; m < MessagesPerSession; m++)
            {
                var accepted = await session.Grain.SendMessageAsync(new SendMessage($"line s{n} m{m}"));
                using var cts = new CancellationTokenSource(TwoSiloKit.Wait);
                var result = await session.Grain.WaitForTurnAsync(accepted.Seq, cts.Token);
                Assert.Equal(TurnOutcome.Completed, result.Outcome);
            }
        })));

        // Midnight UTC may fall inside the test: read every day's file.
        var files = Directory.GetFiles(Path.Combine(home, "memory", "daily"), "*.md");
        var text = string.Concat(files.Select(File.ReadAllText));
        for (var n = 0; n < sessions.Count; n++)
        {
            for (var m = 0; m < MessagesPerSession; m++)
            {
                var line = $"\n\nline s{n} m{m}\n";
                Assert.True(text.Split(line).Length == 2, $"'{line.Trim()}' should be in the daily log exactly once:\n{text}");
            }
        }

        Assert.Equal(sessions.Count * MessagesPerSession, text.Split("\n## ").Length - 1);
        Assert.Equal(files.Length, text.Split('\n').Count(l => l.StartsWith("# ", StringComparison.Ordinal)));
    }
}
