using System.Text;
using System.Text.Json;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

/// <summary>
/// Seq reservations (<see cref="IEventLogStorage.AppendOrderedAsync"/>): a seq that may have been shown before it was
/// durable is never given to another event after a restart, and the hole it leaves reads, compacts and reloads as a
/// hole, not as corruption.
/// </summary>
public sealed class FileEventLogReservationTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, 250, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly GrainId _id = GrainId.Create("session", "s-reserve");

    public void Dispose() => _directory.Dispose();

    private FileStorageProvider Open()
    {
        var options = new FileStorageOptions { RootDirectory = _directory.Path };
        return new FileStorageProvider(options, _logs);
    }

    private static EventToAppend Message(long n, string padding = "") =>
        new("user_message", T0.AddSeconds(n), JsonSerializer.SerializeToUtf8Bytes(new { content = $"message {n}{padding}" }));

    private static async Task<List<long>> ReadSeqsAsync(IEventLogStorage log, GrainId id, long fromSeq = 1)
    {
        var seqs = new List<long>();
        await foreach (var stored in log.ReadAsync(id, fromSeq))
        {
            seqs.Add(stored.Seq);
        }

        return seqs;
    }

    private async Task AppendAsync(IEventLogStorage log, long first, long last, long reserveThrough = 0, string padding = "")
    {
        for (var seq = first; seq <= last; seq++)
        {
            var ordered = await log.AppendOrderedAsync(_id, seq, [Message(seq, padding)], seq == last ? reserveThrough : 0);
            await ordered.Durable;
        }
    }

    /// <summary>Seqs 1–4 durable, the 4th reserving through 20; a restart; then 21–23.</summary>
    private async Task WriteAcrossARestartAsync()
    {
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
        }

        await using (var provider = Open())
        {
            Assert.Equal(new EventLogInfo(1, 21), await provider.EventLog.GetInfoAsync(_id));
            await AppendAsync(provider.EventLog, 21, 23);
        }
    }

    [Fact]
    public async Task ReservationOfTheDurableTail_MovesTheNextSeqPastIt_AfterARestart()
    {
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);

            // In the same process nothing was lost: the log goes on at 5.
            Assert.Equal(new EventLogInfo(1, 5), await provider.EventLog.GetInfoAsync(_id));
        }

        await using var reopened = Open();
        Assert.Equal(new EventLogInfo(1, 21), await reopened.EventLog.GetInfoAsync(_id));
        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => reopened.EventLog.AppendAsync(_id, 5, [Message(5)]));
        Assert.Contains("next seq is 21", stale.Message);

        Assert.Equal(22, await reopened.EventLog.AppendAsync(_id, 21, [Message(21)]));
        Assert.Equal([1L, 2, 3, 4, 21], await ReadSeqsAsync(reopened.EventLog, _id));
        Assert.Equal([21L], await ReadSeqsAsync(reopened.EventLog, _id, 5));
        Assert.Equal([21L], await ReadSeqsAsync(reopened.EventLog, _id, 20));
        Assert.Empty(await ReadSeqsAsync(reopened.EventLog, _id, 22));
    }

    [Fact]
    public async Task ReservedEvents_ReadBackWithoutTheFramingMember()
    {
        await using var provider = Open();
        var ordered = await provider.EventLog.AppendOrderedAsync(_id, 1, [Message(1), Message(2)], reserveThrough: 9);
        await ordered.Durable;

        var lines = System.IO.File.ReadAllLines(provider.EventLog.LogPath(_id));
        Assert.DoesNotContain("reserved_through", lines[0]);
        Assert.Contains("\"batch\":[1,2],\"reserved_through\":9,", lines[1]);
        await foreach (var stored in provider.EventLog.ReadAsync(_id, 1))
        {
            var json = Encoding.UTF8.GetString(stored.Json.Span);
            Assert.DoesNotContain("reserved_through", json);
            Assert.DoesNotContain("batch", json);
        }
    }

    [Fact]
    public async Task ABatchWithoutAReservation_ReleasesIt()
    {
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
            await AppendAsync(provider.EventLog, 5, 5);
        }

        await using var reopened = Open();
        Assert.Equal(new EventLogInfo(1, 6), await reopened.EventLog.GetInfoAsync(_id));
    }

    [Fact]
    public async Task ShownButTornEvent_IsDropped_AndItsSeqIsNeverReused()
    {
        string path;
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
            path = provider.EventLog.LogPath(_id);
        }

        // Seq 5 was ordered (and shown) but the process died in the middle of its write.
        System.IO.File.AppendAllText(path, "{\"seq\":5,\"ts\":\"2026-11-21T10:00:05.250Z\",\"type\":\"assistant_delta\",\"reserved_thr");

        await using var reopened = Open();
        Assert.Equal(new EventLogInfo(1, 21), await reopened.EventLog.GetInfoAsync(_id));
        Assert.Equal([1L, 2, 3, 4], await ReadSeqsAsync(reopened.EventLog, _id));
    }

    [Fact]
    public async Task AJumpThatDoesNotLandAfterTheReservation_IsCorruption()
    {
        string path;
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
            await AppendAsync(provider.EventLog, 5, 6);
            path = provider.EventLog.LogPath(_id);
        }

        var lines = System.IO.File.ReadAllLines(path);
        lines[4] = lines[4].Replace("{\"seq\":5,", "{\"seq\":10,", StringComparison.Ordinal);
        lines[5] = lines[5].Replace("{\"seq\":6,", "{\"seq\":11,", StringComparison.Ordinal);
        System.IO.File.WriteAllLines(path, lines);

        await using var reopened = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => ReadSeqsAsync(reopened.EventLog, _id));
        Assert.Contains(":5:", error.Message);
    }

    [Fact]
    public async Task AMalformedReservation_IsCorruption()
    {
        string path;
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 2);
            path = provider.EventLog.LogPath(_id);
        }

        // A reservation below its own line's seq.
        System.IO.File.AppendAllText(path, "{\"seq\":3,\"ts\":\"2026-11-21T10:00:03.250Z\",\"type\":\"x\",\"reserved_through\":2}\n");

        await using var reopened = Open();
        await Assert.ThrowsAsync<StorageCorruptedException>(() => reopened.EventLog.GetInfoAsync(_id));
    }

    [Fact]
    public async Task ReservationBelowTheBatch_IsRejected()
    {
        await using var provider = Open();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => provider.EventLog.AppendOrderedAsync(_id, 1, [Message(1), Message(2)], reserveThrough: 1));
        Assert.Equal(new EventLogInfo(1, 1), await provider.EventLog.GetInfoAsync(_id));
    }

    [Theory]
    [InlineData(CompactionMode.Archive)]
    [InlineData(CompactionMode.Discard)]
    public async Task Compaction_AcrossTheHole_KeepsItAndReloads(CompactionMode mode)
    {
        await WriteAcrossARestartAsync();

        await using (var provider = Open())
        {
            await provider.EventLog.CompactAsync(_id, 4, mode);
            Assert.Equal(mode == CompactionMode.Archive ? [1L, 2, 3, 4, 21, 22, 23] : [21L, 22, 23], await ReadSeqsAsync(provider.EventLog, _id));
        }

        await using var reopened = Open();
        Assert.Equal(new EventLogInfo(mode == CompactionMode.Archive ? 1 : 5, 24), await reopened.EventLog.GetInfoAsync(_id));
        Assert.Equal(mode == CompactionMode.Archive ? [1L, 2, 3, 4, 21, 22, 23] : [21L, 22, 23], await ReadSeqsAsync(reopened.EventLog, _id));
        Assert.Equal([21L, 22, 23], await ReadSeqsAsync(reopened.EventLog, _id, 5));
        Assert.Equal(25, await reopened.EventLog.AppendAsync(_id, 24, [Message(24)]));
    }

    [Theory]
    [InlineData(CompactionMode.Archive)]
    [InlineData(CompactionMode.Discard)]
    public async Task CompactingEverything_BeforeTheHole_KeepsTheReservationInTheHeader(CompactionMode mode)
    {
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
            await provider.EventLog.CompactAsync(_id, 4, mode);
            Assert.Contains("\"reserved_through\":20", System.IO.File.ReadAllLines(provider.EventLog.LogPath(_id))[0]);
        }

        await using var reopened = Open();
        var info = await reopened.EventLog.GetInfoAsync(_id);
        Assert.Equal(21, info.NextSeq);
        Assert.Equal(mode == CompactionMode.Archive ? 1 : 5, info.FirstSeq);
        Assert.Equal(22, await reopened.EventLog.AppendAsync(_id, 21, [Message(21)]));
        Assert.Equal(mode == CompactionMode.Archive ? [1L, 2, 3, 4, 21] : [21L], await ReadSeqsAsync(reopened.EventLog, _id));
    }

    [Theory]
    [InlineData(CompactionMode.Archive)]
    [InlineData(CompactionMode.Discard)]
    public async Task Compaction_WhileAReservationIsInForce_DoesNotSkipInTheSameProcess(CompactionMode mode)
    {
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);
            await provider.EventLog.CompactAsync(_id, 4, mode);

            // Compaction reloads the log, but nothing was lost: it goes on at 5.
            Assert.Equal(5, (await provider.EventLog.GetInfoAsync(_id)).NextSeq);
            await AppendAsync(provider.EventLog, 5, 6, reserveThrough: 30);
            await provider.EventLog.CompactAsync(_id, 5, mode);
            Assert.Equal(7, (await provider.EventLog.GetInfoAsync(_id)).NextSeq);
            Assert.Equal(mode == CompactionMode.Archive ? [1L, 2, 3, 4, 5, 6] : [6L], await ReadSeqsAsync(provider.EventLog, _id));
        }

        await using var reopened = Open();
        Assert.Equal(31, (await reopened.EventLog.GetInfoAsync(_id)).NextSeq);
        Assert.Equal(mode == CompactionMode.Archive ? [1L, 2, 3, 4, 5, 6] : [6L], await ReadSeqsAsync(reopened.EventLog, _id));
    }

    [Fact]
    public async Task ALogWithAReservationInForce_IsNotForgotten_WhenTheTableIsFull()
    {
        var options = new FileStorageOptions { RootDirectory = _directory.Path, MaxOpenLogs = 1 };
        await using var provider = new FileStorageProvider(options, _logs);
        await AppendAsync(provider.EventLog, 1, 4, reserveThrough: 20);

        // Other logs push this one out of the table unless its reservation keeps it there.
        for (var i = 0; i < 5; i++)
        {
            await provider.EventLog.AppendAsync(GrainId.Create("session", $"s-other-{i}"), 1, [Message(1)]);
        }

        Assert.Equal(5, (await provider.EventLog.GetInfoAsync(_id)).NextSeq);

        // Released, it may go; loaded again, it goes on where it was.
        await AppendAsync(provider.EventLog, 5, 5);
        for (var i = 0; i < 5; i++)
        {
            await provider.EventLog.AppendAsync(GrainId.Create("session", $"s-other-{i}"), 2, [Message(2)]);
        }

        Assert.Equal(6, (await provider.EventLog.GetInfoAsync(_id)).NextSeq);
    }

    [Fact]
    public async Task CompactingThroughASeqInTheHole_CompactsThroughTheEventBeforeIt()
    {
        await WriteAcrossARestartAsync();

        await using (var provider = Open())
        {
            await provider.EventLog.CompactAsync(_id, 10, CompactionMode.Archive);
            Assert.StartsWith("{\"compacted_through\":4,\"reserved_through\":20,", System.IO.File.ReadAllLines(provider.EventLog.LogPath(_id))[0]);
        }

        await using var reopened = Open();
        Assert.Equal([1L, 2, 3, 4, 21, 22, 23], await ReadSeqsAsync(reopened.EventLog, _id));
    }

    [Fact]
    public async Task LongLog_ReadFromInsideTheHole_StartsAfterIt()
    {
        var padding = new string('x', 600);
        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 1, 300, reserveThrough: 400, padding: padding);
        }

        await using (var provider = Open())
        {
            await AppendAsync(provider.EventLog, 401, 700, padding: padding);
            Assert.True(new FileInfo(provider.EventLog.LogPath(_id)).Length > 256 * 1024, "the log must be long enough for reads to bisect it");
            foreach (var (from, first) in new (long, long)[] { (1, 1), (299, 299), (300, 300), (301, 401), (350, 401), (400, 401), (401, 401), (650, 650) })
            {
                var seqs = await ReadSeqsAsync(provider.EventLog, _id, from);
                Assert.Equal(first, seqs[0]);
                Assert.Equal(700, seqs[^1]);
                Assert.Equal(from <= 300 ? 300 - from + 1 + 300 : 700 - first + 1, seqs.Count);
            }
        }
    }

    [Fact]
    public async Task AFailedFlush_FailsTheAppendsOrderedOnIt_WithItsError_NotAsAConflict()
    {
        await using var provider = Open();
        var blocker = Path.Combine(_directory.Path, "sessions", _id.Key.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        System.IO.File.WriteAllText(blocker, "a file where the grain's directory should be");

        var first = await provider.EventLog.AppendOrderedAsync(_id, 1, [Message(1)], reserveThrough: 10);
        await Assert.ThrowsAnyAsync<IOException>(() => first.Durable);

        // The caller counted on seq 1: its next append fails with the write error (not a stale-seq conflict, which
        // would mean another writer).
        var second = Record.ExceptionAsync(async () => await (await provider.EventLog.AppendOrderedAsync(_id, 2, [Message(2)])).Durable);
        var error = await second;
        Assert.IsAssignableFrom<IOException>(error);

        System.IO.File.Delete(blocker);
        Assert.Equal(new EventLogInfo(1, 1), await provider.EventLog.GetInfoAsync(_id));
        Assert.Equal(2, await provider.EventLog.AppendAsync(_id, 1, [Message(1)]));
        Assert.Equal([1L], await ReadSeqsAsync(provider.EventLog, _id));
    }

    [Fact]
    public async Task OrderedAppends_BecomeDurableInOrder_WithoutWaitingForEachOther()
    {
        await using var provider = Open();
        var durable = new List<Task>();
        for (long seq = 1; seq <= 50; seq++)
        {
            var ordered = await provider.EventLog.AppendOrderedAsync(_id, seq, [Message(seq)], reserveThrough: seq + 100);
            Assert.Equal(seq + 1, ordered.NextSeq);
            durable.Add(ordered.Durable);
        }

        await Task.WhenAll(durable);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), await ReadSeqsAsync(provider.EventLog, _id));
    }
}
