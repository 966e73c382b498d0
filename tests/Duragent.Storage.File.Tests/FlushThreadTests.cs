using Orleans.Runtime;

namespace Duragent.Storage.File.Tests;

/// <summary>The flush threads start on demand: none while nothing was written, up to the limit under load, never more.</summary>
public sealed class FlushThreadTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Threads_StartOnDemand_UpToTheLimit_AndEveryWriteCompletes()
    {
        await using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _directory.Path, FlushThreads = 4 });
        Assert.Equal(0, provider.FlushThreadCount);

        await provider.EventLog.AppendAsync(GrainId.Create("session", "first"), 1, [Event()]);
        var afterOne = provider.FlushThreadCount;

        // 64 logs appended at once: more work than threads, so the scheduler grows to its limit and no further.
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(async () =>
            {
                for (var seq = 1; seq <= 5; seq++)
                {
                    await provider.EventLog.AppendAsync(GrainId.Create("session", $"s{i}"), seq, [Event()]);
                }
            })));

        Assert.InRange(afterOne, 1, 2);
        Assert.InRange(provider.FlushThreadCount, afterOne, 4);
        for (var i = 0; i < 64; i++)
        {
            Assert.Equal(5, (await provider.EventLog.GetInfoAsync(GrainId.Create("session", $"s{i}"))).LastSeq);
        }
    }

    private static EventToAppend Event() => new("note", DateTimeOffset.UtcNow, System.Text.Encoding.UTF8.GetBytes("{\"text\":\"hello\"}"));
}
