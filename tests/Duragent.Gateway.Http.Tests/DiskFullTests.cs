using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// The workspace's state directory on a small tmpfs that the test fills: a write that hits ENOSPC is a
/// <c>507 insufficient_storage</c> naming the path, a turn whose step cannot be recorded releases its waiters at once
/// and shows the problem, <c>/readyz</c> is not ready while writes fail and ready again once space is freed, the turn
/// then finishes by itself, and a restart finds every acknowledged message. Needs root (mount); skipped otherwise.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "duragent-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly string Big = new('x', 16 * 1024);
    private bool _mounted;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (_mounted)
        {
            TmpfsFactAttribute.Run("umount", "-l", _mount);
        }

        try
        {
            Directory.Delete(_mount, recursive: true);
        }
        catch (IOException)
        {
            // Still mounted (lazy unmount in progress); the OS cleans /tmp.
        }

        return Task.CompletedTask;
    }

    private string Mount()
    {
        Directory.CreateDirectory(_mount);
        var (code, output) = TmpfsFactAttribute.Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mount);
        Assert.True(code == 0, $"mount failed: {output}");
        _mounted = true;
        return Path.Combine(_mount, "state");
    }

    [TmpfsFact]
    public async Task FullDisk_Is507_ReleasesWaiters_AndRecoversWhenSpaceReturns()
    {
        var state = Mount();
        var kit = await GatewayKit.StartAsync(onDisconnect: "continue", yaml: $"workspace: {state}\n");
        await using var _ = kit;
        kit.Llm.Fallback = _ => FakeResponse.Text("answer after the disk was freed");
        var id = (await kit.CreateSessionAsync()).SessionId;
        var gate = new FakeGate();
        // Larger than the slack in the last page of the log file, which a full tmpfs still accepts.
        kit.Llm.Enqueue(FakeResponse.Text("an answer that cannot be recorded ", Big, Big).WithGate(gate, 0));

        // A turn in flight, with a caller waiting for it: the message is durable, the LLM call is held at the gate.
        var waiting = kit.Client.PostAsync($"api/v1/sessions/{id}/messages?wait=true", GatewayKit.Json("""{"content":"first question"}"""));
        await gate.WaitReachedAsync(GatewayKit.Wait);
        var filler = Fill(_mount);

        // The answer cannot be recorded: the waiter is released with 507 at once, the session says why.
        gate.Release();
        using (var waited = await waiting.WaitAsync(GatewayKit.Wait))
        {
            var problem = await ExpectStorageProblemAsync(waited);
            Assert.Contains("was stored", problem, StringComparison.Ordinal);
        }

        await WaitUntilAsync(async () => (await kit.GetSessionAsync(id)).LastError?.Contains("no space", StringComparison.Ordinal) == true, "the session to show the storage problem");
        using (var ready = await kit.Client.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("no space", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var refused = await kit.Client.PostAsync($"api/v1/sessions/{id}/messages", GatewayKit.Json($$"""{"content":"does not fit {{Big}}"}""")))
        {
            await ExpectStorageProblemAsync(refused);
        }

        Assert.Single(kit.Logs.Records, e => e.Message.Contains("no space left", StringComparison.Ordinal) && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.DoesNotContain(kit.Logs.Records, e => e.Exception is not null && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);

        // Space returns: ready again by itself, and the turn finishes without a new message.
        File.Delete(filler);
        await WaitUntilAsync(async () =>
        {
            using var ready = await kit.Client.GetAsync("readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        }, "/readyz to recover");
        SessionInfo? last = null;
        await WaitUntilAsync(async () =>
        {
            last = await kit.GetSessionAsync(id);
            return last.Status == SessionStatus.Active && last.MessageCount == 2 && last.LastError?.Contains("no space", StringComparison.Ordinal) != true;
        }, () => $"the turn to finish after space returned (session: {last}; log: {string.Join(" | ", kit.Logs.Records.Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(r => r.Message + r.Exception?.Message))})");

        await using var restarted = await kit.RestartAsync();
        var messages = await MessagesAsync(restarted, id);
        Assert.Contains("first question", messages);
        Assert.Contains("answer after the disk was freed", messages);
        Assert.Equal(1, messages.Count(m => m == "first question"));
        Assert.DoesNotContain(messages, m => m.StartsWith("does not fit", StringComparison.Ordinal));
    }

    [TmpfsFact]
    public async Task FullDisk_TurnReminderTickBeforeTheStorageRetry_DoesNotParkAPauseSession()
    {
        var state = Mount();
        var kit = await GatewayKit.StartAsync(onDisconnect: "pause", yaml: $"workspace: {state}\n");
        await using var _ = kit;
        kit.Llm.Fallback = _ => FakeResponse.Text("answer after the disk was freed");
        var id = (await kit.CreateSessionAsync()).SessionId;
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("an answer that cannot be recorded ", Big, Big).WithGate(gate, 0));

        // No client attached, so on_disconnect: pause does not apply; the turn's step cannot be recorded.
        using (var sent = await kit.Client.PostAsync($"api/v1/sessions/{id}/messages", GatewayKit.Json("""{"content":"first question"}""")))
        {
            await Http.ExpectAsync(sent, 202);
        }

        await gate.WaitReachedAsync(GatewayKit.Wait);
        var filler = Fill(_mount);
        gate.Release();
        await WaitUntilAsync(async () => (await kit.GetSessionAsync(id)).LastError?.Contains("no space", StringComparison.Ordinal) == true, "the session to show the storage problem");

        // Space returns, and the turn reminder ticks before the storage retry (every 5 s) runs. The tick must leave the
        // turn to that retry: recovering it as if the silo had restarted would park this pause session for good.
        File.Delete(filler);
        var remindable = kit.App.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(id).AsReference<IRemindable>();
        await remindable.ReceiveReminder(SessionGrain.TurnReminder, new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow));

        SessionInfo? last = null;
        await WaitUntilAsync(async () =>
        {
            last = await kit.GetSessionAsync(id);
            return last.Status != SessionStatus.Running && last.LastError?.Contains("no space", StringComparison.Ordinal) != true;
        }, () => $"the turn to settle after space returned (session: {last})");
        Assert.Equal(SessionStatus.Active, last!.Status);
        Assert.Contains("answer after the disk was freed", await MessagesAsync(kit, id));
        using var events = await kit.Client.GetAsync($"api/v1/sessions/{id}/events?limit=500");
        Assert.DoesNotContain("the silo restarted", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [TmpfsFact]
    public async Task FullDisk_MessageIsRefusedWith507_AndNothingStoredChanges()
    {
        var state = Mount();
        var kit = await GatewayKit.StartAsync(yaml: $"workspace: {state}\n");
        await using var _ = kit;
        kit.Llm.Fallback = _ => FakeResponse.Text("fine");
        var id = (await kit.CreateSessionAsync()).SessionId;
        var before = (await kit.GetSessionAsync(id)).LastSeq;
        Fill(_mount);

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{id}/messages", GatewayKit.Json($$"""{"content":"will not fit {{Big}}"}"""));

        var problem = await ExpectStorageProblemAsync(response);
        Assert.Contains(state, problem, StringComparison.Ordinal);
        Assert.Equal(before, (await kit.GetSessionAsync(id)).LastSeq);
    }

    // A cancel stops the running LLM call before it records: when that record hits the full disk, the turn must
    // still release its waiters and show the problem, and the cancel (not the turn) is what the retry records.
    [TmpfsFact]
    public async Task FullDisk_CancelThatCannotBeRecorded_ReleasesTheWaiterAtOnce()
    {
        var state = Mount();
        var kit = await GatewayKit.StartAsync(onDisconnect: "continue", yaml: $"workspace: {state}\n");
        await using var _ = kit;
        var id = (await kit.CreateSessionAsync()).SessionId;
        var gate = new FakeGate();
        // A partial answer larger than the slack a full tmpfs still accepts: the cancel must record it (interrupted).
        kit.Llm.Enqueue(FakeResponse.Text("partial ", Big, "never seen").WithGate(gate, 2));
        kit.Llm.Fallback = _ => FakeResponse.Text("later");

        var waiting = kit.Client.PostAsync($"api/v1/sessions/{id}/messages?wait=true", GatewayKit.Json("""{"content":"first question"}"""));
        await gate.WaitReachedAsync(GatewayKit.Wait);
        var streamed = Stopwatch.StartNew();
        while (!(await kit.EventsAsync(id)).Exists(e => e.GetProperty("type").GetString() == "assistant_delta" && e.ToString().Contains(Big[..100], StringComparison.Ordinal)))
        {
            Assert.True(streamed.Elapsed < GatewayKit.Wait, "the partial answer never reached the session");
            await Task.Delay(20);
        }

        var filler = Fill(_mount);

        using (var cancel = await kit.Client.PostAsync($"api/v1/sessions/{id}/cancel", GatewayKit.Json("{}")))
        {
            Assert.Equal(507, (int)cancel.StatusCode);
        }

        gate.Release();
        var clock = Stopwatch.StartNew();
        var finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(5)));
        (await waiting.WaitAsync(GatewayKit.Wait)).Dispose();
        var info = await kit.GetSessionAsync(id);
        File.Delete(filler);

        Assert.True(finished == waiting, $"the waiter was not released {clock.Elapsed} after the failed cancel; the session is {info.Status}, last_error '{info.LastError}'");
        Assert.Contains("no space", info.LastError ?? string.Empty, StringComparison.Ordinal);
        await WaitUntilAsync(async () => (await kit.GetSessionAsync(id)).Status == SessionStatus.Active, "the retried cancel to be recorded");
        var ended = (await kit.EventsAsync(id)).Last(e => e.GetProperty("type").GetString() == "turn_completed");
        Assert.Equal("cancelled", ended.GetProperty("outcome").GetString());
    }

    private static async Task<string> ExpectStorageProblemAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 507, $"expected 507, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        Assert.Equal("insufficient_storage", document.RootElement.GetProperty("code").GetString());
        return body;
    }

    private static async Task<List<string>> MessagesAsync(GatewayKit kit, string id)
    {
        using var response = await kit.Client.GetAsync($"api/v1/sessions/{id}/messages?limit=100");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList();
    }

    // Fills the file system until a write fails; returns the filler file (delete it to free the space).
    private static string Fill(string mount)
    {
        var path = Path.Combine(mount, "filler");
        var block = new byte[64 * 1024];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // Full (smaller writes may still fit a partial block: fill that too).
        }

        try
        {
            while (true)
            {
                stream.Write(block, 0, 512);
                stream.Flush();
            }
        }
        catch (IOException)
        {
        }

        return path;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => WaitUntilAsync(condition, () => what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > GatewayKit.Wait)
            {
                throw new TimeoutException($"Timed out waiting for {what()}.");
            }

            await Task.Delay(50);
        }
    }
}
