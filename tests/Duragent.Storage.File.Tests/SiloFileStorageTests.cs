using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Duragent.Storage.File.Tests;

/// <summary>
/// <c>ISiloBuilder.AddFileStorage</c> in a real Orleans silo: persistent state through the default and the "file"
/// storage, reminders through the file reminder table, a restart on the same workspace, and the workspace lock.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SiloFileStorageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task StateAndReminders_AreFiles_AndSurviveARestart()
    {
        using (var host = await StartSiloAsync())
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("k1");
            Assert.Equal(1, await grain.Increment());
            Assert.Equal(2, await grain.Increment());
            await grain.Remind("tick");
            await host.StopAsync();
        }

        var main = System.IO.File.ReadAllText(Path.Combine(_directory.Path, "grains", "storage-probe", "k1", "state.yaml"));
        var other = System.IO.File.ReadAllText(Path.Combine(_directory.Path, "grains", "storage-probe", "k1", "notes.state.yaml"));
        var reminder = System.IO.File.ReadAllText(Path.Combine(_directory.Path, "reminders", "storage-probe", "k1", "tick.yaml"));
        Assert.Contains("\nversion: 2\nstate:\n  count: 2\n", main);
        Assert.Contains("\nversion: 2\nstate:\n  count: 20\n", other);
        Assert.Contains("\nname: tick\n", reminder);
        Assert.Contains("\nperiod: 00:01:00\n", reminder);

        using (var host = await StartSiloAsync())
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("k1");
            Assert.Equal(3, await grain.Increment());
            Assert.Equal(["tick"], await grain.Reminders());
            await grain.Forget("tick");
            Assert.Empty(await grain.Reminders());
            await host.StopAsync();
        }

        Assert.False(Directory.Exists(Path.Combine(_directory.Path, "reminders", "storage-probe")));
    }

    [Fact]
    public async Task ASecondSiloOnTheSameWorkspace_FailsToStart()
    {
        using var first = await StartSiloAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var second = await StartSiloAsync();
        });

        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        Assert.Contains(chain, e => e is WorkspaceLockedException);
        await first.StopAsync();
    }

    [Fact]
    public async Task ACorruptReminderFile_DoesNotDelayTheStart_ButFailsReminderCallsNamingTheFile_UntilFixed()
    {
        var file = Path.Combine(_directory.Path, "reminders", "storage-probe", "k1", "tick.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, "version: 1\nstart_at: yesterday\n");
        var logs = new CapturingLoggerProvider();

        using var host = await StartSiloAsync(logs);
        var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("k1");
        var table = host.Services.GetRequiredService<FileStorageProvider>().Reminders;
        await table.InitialLoad.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, await grain.Increment());
        await Assert.ThrowsAnyAsync<Exception>(() => grain.Remind("other"));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Category.StartsWith("Duragent", StringComparison.Ordinal)
            && (e.Message + e.Exception).Contains(file, StringComparison.Ordinal));
        var tableError = await Assert.ThrowsAsync<StorageCorruptedException>(() => table.ReadRows(0, 0));
        Assert.Contains(file, tableError.Message);

        // Fixed, the file is read at the next call (Orleans' reminder service retries its own read on its timer).
        System.IO.File.WriteAllText(file, "version: 1\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n");
        Assert.Equal("tick", Assert.Single((await table.ReadRows(0, 0)).Reminders).ReminderName);
        await host.StopAsync();
    }

    [Fact]
    public async Task ARowDueSoon_FiresAfterTheStart_ThoughTheRowsAreReadInTheBackground()
    {
        // 2,000 rows of other grains make the background read take a while; the due row's grain is never called.
        var now = DateTime.UtcNow;
        for (var i = 0; i < 2000; i++)
        {
            WriteRow($"idle-{i}", "ttl", now.AddHours(1), TimeSpan.FromHours(1));
        }

        var key = "due-" + Guid.NewGuid().ToString("N")[..8];
        WriteRow(key, "tick", now - TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(1));

        using var host = await StartSiloAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!StorageProbeGrain.Received.Contains((key, "tick")))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The reminder 'tick' of {key}, due 3 s after the start, did not fire within 60 s.");
            await Task.Delay(50);
        }

        Assert.DoesNotContain(StorageProbeGrain.Received, r => r.Key.StartsWith("idle-", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task AOneShotRowWrittenBeforeOrleans_DoesNotStopTheReminderService()
    {
        var file = Path.Combine(_directory.Path, "reminders", "storage-probe", "k1", "ttl.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, "version: 1\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:00:00\nnext_due_at: 2026-11-21T09:00:00.0000000Z\n");
        var logs = new CapturingLoggerProvider();

        using (var host = await StartSiloAsync(logs))
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("k1");
            await grain.Remind("tick");
            Assert.Equal(["tick", "ttl"], (await grain.Reminders()).Order());
            await host.StopAsync();
        }

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains(logs.Warnings, e => e.Message.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidGrainKeys_FailTheCall()
    {
        using var host = await StartSiloAsync();
        var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStorageProbeGrain>("not/a/key");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => grain.Increment());

        Assert.Contains("Invalid grain key 'not/a/key'", error.ToString());
        await host.StopAsync();
    }

    private void WriteRow(string key, string name, DateTime startAt, TimeSpan period)
    {
        var file = Path.Combine(_directory.Path, "reminders", "storage-probe", key, name + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, $"version: 1\ngrain: storage-probe/{key}\nname: {name}\n"
            + $"start_at: {startAt:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'}\nperiod: {period:c}\n");
    }

    private async Task<IHost> StartSiloAsync(ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(FreePort(), FreePort())
            .AddFileStorage(o => o.RootDirectory = _directory.Path));
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public interface IStorageProbeGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task Remind(string name);

    Task Forget(string name);

    Task<List<string>> Reminders();
}

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public int Count { get; set; }
}

/// <summary>One record through the "file" storage by name, one through the default storage.</summary>
[GrainType("storage-probe")]
public sealed class StorageProbeGrain(
    [PersistentState("state", FileStorageOptions.StorageName)] IPersistentState<ProbeState> main,
    [PersistentState("notes")] IPersistentState<ProbeState> notes)
    : Grain, IStorageProbeGrain, IRemindable
{
    public async Task<int> Increment()
    {
        main.State.Count++;
        notes.State.Count += 10;
        await main.WriteStateAsync();
        await notes.WriteStateAsync();
        return main.State.Count;
    }

    public Task Remind(string name) => this.RegisterOrUpdateReminder(name, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public async Task Forget(string name)
    {
        var reminder = await this.GetReminder(name);
        await this.UnregisterReminder(reminder!);
    }

    public async Task<List<string>> Reminders() => [.. (await this.GetReminders()).Select(r => r.ReminderName)];

    /// <summary>The reminders received by any probe grain of the process: (key, name).</summary>
    public static System.Collections.Concurrent.ConcurrentQueue<(string Key, string Name)> Received { get; } = new();

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Received.Enqueue((this.GetPrimaryKeyString(), reminderName));
        return Task.CompletedTask;
    }
}
