using System.Globalization;
using System.Net.ServerSentEvents;
using Duragent.FakeLlm;
using Duragent.Integration.Tests.Cli;
using Duragent.Integration.Tests.Http;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Xunit.Abstractions;

namespace Duragent.Integration.Tests.Sessions;

/// <summary>
/// Text deltas reach SSE followers before their fsync. A real <c>duragent serve</c> is killed with SIGKILL while an LLM
/// call streams fast, so deltas a follower saw may be lost with the process; the follower reconnects with
/// <c>Last-Event-ID</c> = the last id it saw. It must never get an id twice or out of order, never miss an event of
/// the log, and an id it saw must never come back as a different event. Rounds: <c>DURAGENT_SESSION_CRASH_ROUNDS</c>
/// (default 3).
/// </summary>
[Trait("Category", "Slow")]
public sealed class SseResumeCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static int Rounds =>
        int.TryParse(Environment.GetEnvironmentVariable("DURAGENT_SESSION_CRASH_ROUNDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 3;

    [Fact]
    public async Task KilledWhileDeltasStream_AFollowerResumingWithLastEventId_GetsNoDuplicateNoGapAndNoReusedId()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue");
        for (var round = 0; round < Rounds; round++)
        {
            // Long enough to be killed in the middle: 3,000 chunks, 1 ms apart.
            var chunks = Enumerable.Range(0, 3000).Select(i => $"r{round}w{i} ").ToArray();
            ws.Llm.Enqueue(FakeResponse.Text(chunks).WithChunkDelay(TimeSpan.FromMilliseconds(1)));
        }

        ws.Llm.Enqueue(FakeResponse.Text("Here", " is", " the", " answer."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var follower = new Follower(ws, session.SessionId);
        var following = Task.Run(() => follower.RunAsync(stop.Token));
        await client.SendMessageAsync(session.SessionId, "tell me a long story");

        for (var round = 0; round < Rounds; round++)
        {
            // Kill while the round's call streams, the moment the follower reads its 50th delta: the deltas just shown
            // may not be written yet.
            var marker = $"r{round}w";
            var deltas = 0;
            var killed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = serve;
            follower.OnEvent = e =>
            {
                if (e.Type == "assistant_delta" && e.Data.Contains(marker, StringComparison.Ordinal) && ++deltas == 50)
                {
                    process.KillNow();
                    killed.TrySetResult(e.Id);
                }
            };
            var seenAtKill = await killed.Task.WaitAsync(Wait);
            follower.OnEvent = null;
            await serve.KillAsync();
            serve = await ws.ServeAsync();
            output.WriteLine($"round {round}: killed on reading id {seenAtKill}");
        }

        var completed = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is TurnCompleted, "the resumed turn to complete", Wait);
        await follower.WaitAsync(events => events.Any(e => e.Id >= completed.Seq), "the follower to see turn_completed", Wait);
        await stop.CancelAsync();
        await following.WaitAsync(Wait);

        var log = await ServerEvents.AllAsync(client, session.SessionId);
        var seen = follower.Events;
        output.WriteLine($"{Rounds} kills; {seen.Count} events followed over {follower.Connections} connections; {log.Count} events in the log");

        // Ids strictly increasing across every reconnection: no duplicate, none out of order.
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Id > seen[i - 1].Id, $"event {i} of the follower has id {seen[i].Id} after {seen[i - 1].Id}");
        }

        // Every event of the log reached the follower (it started from 0), as the same event.
        var byId = seen.ToDictionary(e => e.Id);
        foreach (var stored in log.Where(e => e.Seq <= completed.Seq))
        {
            Assert.True(byId.TryGetValue(stored.Seq, out var got), $"the follower never got event {stored.Seq} ({stored.Type})");
            Assert.Equal(stored.Type, got.Type);
            if (stored.Event is AssistantDelta delta)
            {
                Assert.Equal(delta.Text, TextOf(got.Data));
            }
        }

        // What the follower saw and the log does not hold: deltas shown before their fsync and lost with the process.
        // Their ids were never given to another event (the check above), and they were only ever deltas.
        var logIds = log.Select(e => e.Seq).ToHashSet();
        var lost = seen.Where(e => !logIds.Contains(e.Id)).ToList();
        output.WriteLine($"ids shown before their fsync and lost with the process: {(lost.Count == 0 ? "none" : string.Join(", ", lost.Select(e => e.Id)))}");
        Assert.All(lost, e => Assert.Equal("assistant_delta", e.Type));

        // Each kill hit a call with a reservation in force, so each restart went on past it: the log has holes.
        Assert.True(log.Count < log[^1].Seq - Rounds, $"the log's {log.Count} events end at seq {log[^1].Seq}: no restart skipped a reservation");
        Assert.Equal(TurnOutcome.Completed, ((TurnCompleted)completed.Event).Outcome);
        Assert.Equal("Here is the answer.", log.Select(e => e.Event).OfType<AssistantMessage>().Last().Content);
        await serve.DisposeAsync();
    }

    private static string TextOf(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("text").GetString() ?? string.Empty;
    }

    private sealed record Seen(long Id, string Type, string Data);

    /// <summary>A raw SSE follower: reconnects with <c>Last-Event-ID</c> = the last id it got, and keeps every event as sent.</summary>
    private sealed class Follower(CliWorkspace ws, string sessionId)
    {
        private readonly Lock _gate = new();
        private readonly List<Seen> _events = [];
        private readonly SemaphoreSlim _changed = new(0);

        public int Connections { get; private set; }

        /// <summary>Called on the follower's reading thread for each event, right after it is read.</summary>
        public Action<Seen>? OnEvent { get; set; }

        public List<Seen> Events
        {
            get
            {
                lock (_gate)
                {
                    return [.. _events];
                }
            }
        }

        public long LastId
        {
            get
            {
                lock (_gate)
                {
                    return _events.Count == 0 ? 0 : _events[^1].Id;
                }
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var http = ws.NewHttpClient(Timeout.InfiniteTimeSpan);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/sessions/{sessionId}/stream?attach=false");
                    if (LastId > 0)
                    {
                        request.Headers.Add("Last-Event-ID", LastId.ToString(CultureInfo.InvariantCulture));
                    }

                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        await Task.Delay(100, cancellationToken);
                        continue;
                    }

                    Connections++;
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
                    {
                        if (item.EventId is not { } id)
                        {
                            continue;
                        }

                        var seen = new Seen(long.Parse(id, CultureInfo.InvariantCulture), item.EventType, item.Data);
                        lock (_gate)
                        {
                            _events.Add(seen);
                        }

                        OnEvent?.Invoke(seen);
                        _changed.Release();
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    // The server died (or is not up yet): reconnect after the last id seen.
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }

        public async Task WaitAsync(Func<List<Seen>, bool> done, string what, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!done(Events))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"The follower did not see {what} within {timeout.TotalSeconds:0} s (last id {LastId}).");
                }

                await _changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }
}
