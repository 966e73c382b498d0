using System.Diagnostics;
using System.Net;
using Duragent.FakeLlm;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

/// <summary>Disk-full defects found in review (issue 7.4). Needs root (mount); skipped otherwise.</summary>
[Trait("Category", "Slow")]
public sealed class ReviewDiskFullDefectTests : IAsyncLifetime
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "duragent-rv-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);
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
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A cancel that hits the full disk stops the running LLM call first (StopWorkAsync) and then fails to record:
    /// the request gets 507, but the storage-fault path (release waiters, last_error, retry timer) is never taken.
    /// The session stays <c>running</c> with no work and no error, and the <c>?wait=true</c> caller of the turn hangs
    /// until its request timeout (or the turn reminder, a minute later).
    /// </summary>
    [TmpfsFact]
    public async Task FullDisk_CancelThatCannotBeRecorded_ReleasesTheWaiterAtOnce()
    {
        Directory.CreateDirectory(_mount);
        var (code, output) = TmpfsFactAttribute.Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mount);
        Assert.True(code == 0, $"mount failed: {output}");
        _mounted = true;
        var kit = await GatewayKit.StartAsync(onDisconnect: "continue", yaml: $"workspace: {Path.Combine(_mount, "state")}\n");
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
        var info = await kit.GetSessionAsync(id);
        File.Delete(filler);

        Assert.True(finished == waiting, $"the waiter was not released {clock.Elapsed} after the failed cancel; the session is {info.Status}, last_error '{info.LastError}'");
        Assert.Contains("no space", info.LastError ?? string.Empty, StringComparison.Ordinal);
    }

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
}
