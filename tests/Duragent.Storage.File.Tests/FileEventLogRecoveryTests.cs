using System.Text;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;

namespace Duragent.Storage.File.Tests;

/// <summary>What the file event log does with what a crash leaves behind, and with damaged files.</summary>
public sealed class FileEventLogRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, 250, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly GrainId _id = GrainId.Create("session", "s-recovery");

    public void Dispose() => _directory.Dispose();

    private FileStorageProvider Open(FileStorageOptions? options = null)
    {
        options ??= new FileStorageOptions();
        options.RootDirectory = _directory.Path;
        return new FileStorageProvider(options, _logs);
    }

    private static EventToAppend Message(long n) =>
        new("user_message", T0.AddSeconds(n), JsonSerializer.SerializeToUtf8Bytes(new { content = $"message {n}" }));

    private async Task<string> WriteEventsAsync(int count)
    {
        using var provider = Open();
        for (long seq = 1; seq <= count; seq++)
        {
            await provider.EventLog.AppendAsync(_id, seq, [Message(seq)]);
        }

        return provider.EventLog.LogPath(_id);
    }

    private static async Task<List<long>> ReadSeqsAsync(IEventLogStorage log, GrainId id, long fromSeq = 1)
    {
        var seqs = new List<long>();
        await foreach (var stored in log.ReadAsync(id, fromSeq))
        {
            seqs.Add(stored.Seq);
        }

        return seqs;
    }

    private static string[] Lines(string path) => System.IO.File.ReadAllText(path).Split('\n')[..^1];

    private static void WriteLines(string path, IEnumerable<string> lines) =>
        System.IO.File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public async Task TornTail_IsTruncatedWithAWarning_AndTheLogKeepsAppending()
    {
        var path = await WriteEventsAsync(3);
        var intact = new FileInfo(path).Length;
        System.IO.File.AppendAllText(path, "{\"seq\":4,\"ts\":\"2026-11-2");

        using var provider = Open();
        var info = await provider.EventLog.GetInfoAsync(_id);

        Assert.Equal(new EventLogInfo(1, 4), info);
        var warning = Assert.Single(_logs.Warnings);
        Assert.Contains(path, warning.Message);
        Assert.Contains($"byte offset {intact}", warning.Message);
        Assert.Equal(intact, new FileInfo(path).Length);
        Assert.Equal(1, provider.Statistics.TornTailsRepaired);
        Assert.Equal(5, await provider.EventLog.AppendAsync(_id, 4, [Message(4)]));
        Assert.Equal([1L, 2L, 3L, 4L], await ReadSeqsAsync(provider.EventLog, _id));
    }

    [Fact]
    public async Task NulTail_IsTruncated()
    {
        var path = await WriteEventsAsync(2);
        var intact = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 3), await provider.EventLog.GetInfoAsync(_id));
        Assert.Contains("NUL", Assert.Single(_logs.Warnings).Message);
        Assert.Equal(intact, new FileInfo(path).Length);
    }

    [Fact]
    public async Task NulBytesInsideTheLastLines_AreTruncatedFromTheFirstDamagedLine()
    {
        var path = await WriteEventsAsync(2);
        var intact = new FileInfo(path).Length;
        var bytes = new List<byte>(System.IO.File.ReadAllBytes(path));
        bytes.AddRange(new byte[100]);
        bytes.AddRange("{\"seq\":4,\"ts\":\"2026-11-21T10:00:00.000Z\",\"type\":\"x\"}\n"u8.ToArray());
        System.IO.File.WriteAllBytes(path, bytes.ToArray());

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 3), await provider.EventLog.GetInfoAsync(_id));
        Assert.Equal(intact, new FileInfo(path).Length);
    }

    [Fact]
    public async Task TornBatch_IsDroppedAsAWhole()
    {
        var path = await WriteEventsAsync(2);
        var intact = new FileInfo(path).Length;
        var batch = Encoding.UTF8.GetString(EventLineFormat.RenderBatch(3, [Message(3), Message(4), Message(5)]));
        var twoOfThree = string.Join("", batch.Split('\n').Take(2).Select(l => l + "\n"));
        System.IO.File.AppendAllText(path, twoOfThree);

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 3), await provider.EventLog.GetInfoAsync(_id));
        Assert.Contains("incomplete batch", Assert.Single(_logs.Warnings).Message);
        Assert.Equal(intact, new FileInfo(path).Length);
        Assert.Equal([1L, 2L], await ReadSeqsAsync(provider.EventLog, _id));
    }

    [Fact]
    public async Task CompleteBatch_AtTheTail_IsKept()
    {
        var path = await WriteEventsAsync(1);
        System.IO.File.AppendAllText(path, Encoding.UTF8.GetString(EventLineFormat.RenderBatch(2, [Message(2), Message(3)])));

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 4), await provider.EventLog.GetInfoAsync(_id));
        Assert.Empty(_logs.Warnings);
    }

    [Fact]
    public async Task CorruptLineInTheMiddle_FailsTheReadNamingTheFileAndLine()
    {
        var path = await WriteEventsAsync(5);
        var lines = Lines(path);
        lines[2] = "{\"seq\":3,\"ts\":\"2026-11-21T10:00:03.250Z\",\"type\":\"user_message\",\"content\":";
        WriteLines(path, lines);

        using var provider = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => ReadSeqsAsync(provider.EventLog, _id));

        Assert.Contains($"{path}:3:", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Equal(path, error.Location);
    }

    [Fact]
    public async Task NulBytesInTheMiddle_FailTheRead()
    {
        var path = await WriteEventsAsync(4);
        var lines = Lines(path);
        lines[1] = new string('\0', 20);
        WriteLines(path, lines);

        using var provider = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => ReadSeqsAsync(provider.EventLog, _id));

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public async Task SequenceGap_FailsTheReadNamingTheLine()
    {
        var path = await WriteEventsAsync(5);
        WriteLines(path, Lines(path).Where((_, i) => i != 2));

        using var provider = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => ReadSeqsAsync(provider.EventLog, _id));

        Assert.Contains("expected seq 3 but found 4", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public async Task DuplicateLine_FailsTheRead()
    {
        var path = await WriteEventsAsync(4);
        var lines = Lines(path).ToList();
        lines.Insert(2, lines[1]);
        WriteLines(path, lines);

        using var provider = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => ReadSeqsAsync(provider.EventLog, _id));

        Assert.Contains("expected seq 3 but found 2", error.Message);
    }

    [Fact]
    public async Task CorruptCompleteLastLine_FailsTheOpen_RatherThanBeingDropped()
    {
        var path = await WriteEventsAsync(3);
        System.IO.File.AppendAllText(path, "this is not an event\n");

        using var provider = Open();
        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.EventLog.GetInfoAsync(_id));

        Assert.Contains($"{path}:4:", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public async Task StrayTempFile_FromAnInterruptedCompaction_IsDeleted()
    {
        var path = await WriteEventsAsync(2);
        var temp = path + ".0a1b2c3d4e5f.tmp";
        System.IO.File.WriteAllText(temp, "{\"compacted_through\":1");

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 3), await provider.EventLog.GetInfoAsync(_id));
        Assert.False(System.IO.File.Exists(temp));
        Assert.Contains(temp, Assert.Single(_logs.Warnings).Message);
    }

    [Fact]
    public async Task InterruptedArchiveCompaction_IsRolledBackOnLoad()
    {
        var path = await WriteEventsAsync(10);
        var archive = Path.Combine(Path.GetDirectoryName(path)!, "events.archive.jsonl");
        WriteLines(archive, Lines(path).Take(4));

        using var provider = Open();

        Assert.Equal(new EventLogInfo(1, 11), await provider.EventLog.GetInfoAsync(_id));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await ReadSeqsAsync(provider.EventLog, _id));
        Assert.False(System.IO.File.Exists(archive));
        Assert.Single(_logs.Warnings, w => w.EventId.Id == 4112);
    }

    [Fact]
    public async Task InterruptedSecondArchiveCompaction_KeepsTheFirstOne()
    {
        using (var provider = Open())
        {
            for (long seq = 1; seq <= 10; seq++)
            {
                await provider.EventLog.AppendAsync(_id, seq, [Message(seq)]);
            }

            await provider.EventLog.CompactAsync(_id, 3, CompactionMode.Archive);
        }

        var path = Path.Combine(_directory.Path, "sessions", _id.Key.ToString(), "events.jsonl");
        var archive = Path.Combine(_directory.Path, "sessions", _id.Key.ToString(), "events.archive.jsonl");
        System.IO.File.AppendAllLines(archive, Lines(path).Skip(1).Take(3));

        using (var provider = Open())
        {
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await ReadSeqsAsync(provider.EventLog, _id));
        }

        Assert.Equal(3, Lines(archive).Length);
    }

    [Fact]
    public async Task InterruptedDiscardCompaction_DeletesTheStaleArchiveOnLoad()
    {
        using (var provider = Open())
        {
            for (long seq = 1; seq <= 10; seq++)
            {
                await provider.EventLog.AppendAsync(_id, seq, [Message(seq)]);
            }

            await provider.EventLog.CompactAsync(_id, 4, CompactionMode.Archive);
        }

        // The discard through 7 rewrote the live log, then the process died before deleting the archive.
        var path = Path.Combine(_directory.Path, "sessions", _id.Key.ToString(), "events.jsonl");
        var archive = Path.Combine(_directory.Path, "sessions", _id.Key.ToString(), "events.archive.jsonl");
        var lines = Lines(path);
        WriteLines(path, new[] { "{\"compacted_through\":7,\"ts\":\"2026-11-21T10:00:00.000Z\",\"mode\":\"discard\"}" }.Concat(lines.Skip(4)));

        using (var provider = Open())
        {
            Assert.Equal(new EventLogInfo(8, 11), await provider.EventLog.GetInfoAsync(_id));
            Assert.Equal([8L, 9L, 10L], await ReadSeqsAsync(provider.EventLog, _id));
        }

        Assert.False(System.IO.File.Exists(archive));
        Assert.Single(_logs.Warnings, w => w.EventId.Id == 4113);
    }

    [Fact]
    public async Task TornArchiveTail_IsTruncated()
    {
        using (var provider = Open())
        {
            for (long seq = 1; seq <= 6; seq++)
            {
                await provider.EventLog.AppendAsync(_id, seq, [Message(seq)]);
            }

            await provider.EventLog.CompactAsync(_id, 3, CompactionMode.Archive);
        }

        var archive = Path.Combine(_directory.Path, "sessions", _id.Key.ToString(), "events.archive.jsonl");
        System.IO.File.AppendAllText(archive, "{\"seq\":4,\"ts\"");

        using var reopened = Open();

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], await ReadSeqsAsync(reopened.EventLog, _id));
        Assert.Equal(1, reopened.Statistics.TornTailsRepaired);
    }

    [Fact]
    public async Task Reopen_AfterDispose_SeesEverything()
    {
        var other = GrainId.Create("session", "s-other");
        using (var provider = Open())
        {
            for (long seq = 1; seq <= 20; seq += 2)
            {
                await provider.EventLog.AppendAsync(_id, seq, [Message(seq), Message(seq + 1)]);
            }

            await provider.EventLog.CompactAsync(_id, 8, CompactionMode.Archive);
            await provider.EventLog.AppendAsync(other, 1, [Message(1)]);
            await provider.GrainStorage.WriteStateAsync("state", _id, new GrainState<ContractState> { State = new ContractState { Name = "kept" } });
            await provider.Reminders.UpsertRow(new ReminderEntry { GrainId = _id, ReminderName = "snapshot", StartAt = T0.UtcDateTime, Period = TimeSpan.FromMinutes(1) });
        }

        using var reopened = Open();

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), await ReadSeqsAsync(reopened.EventLog, _id));
        Assert.Equal(new EventLogInfo(1, 21), await reopened.EventLog.GetInfoAsync(_id));
        Assert.Equal(new EventLogInfo(1, 2), await reopened.EventLog.GetInfoAsync(other));
        var state = new GrainState<ContractState>();
        await reopened.GrainStorage.ReadStateAsync("state", _id, state);
        Assert.Equal("kept", state.State!.Name);
        Assert.Equal("1", state.ETag);
        Assert.NotNull(await reopened.Reminders.ReadRow(_id, "snapshot"));
        Assert.Empty(_logs.Warnings);
    }

    [Fact]
    public async Task LinesOnDisk_HaveTheEnvelopeFirst_AndBatchesAreMarked()
    {
        using var provider = Open();
        await provider.EventLog.AppendAsync(_id, 1, [new EventToAppend("user_message", T0, "{\"content\":\"hi\"}"u8.ToArray())]);
        await provider.EventLog.AppendAsync(_id, 2, [
            new EventToAppend("tool_started", T0, "{ \"call_id\" : \"c1\" }"u8.ToArray()),
            new EventToAppend("ping", T0, ReadOnlyMemory<byte>.Empty),
        ]);

        var lines = Lines(provider.EventLog.LogPath(_id));

        Assert.Equal(
        [
            "{\"seq\":1,\"ts\":\"2026-11-21T10:00:00.250Z\",\"type\":\"user_message\",\"content\":\"hi\"}",
            "{\"seq\":2,\"ts\":\"2026-11-21T10:00:00.250Z\",\"type\":\"tool_started\",\"batch\":[2,3], \"call_id\" : \"c1\" }",
            "{\"seq\":3,\"ts\":\"2026-11-21T10:00:00.250Z\",\"type\":\"ping\",\"batch\":[2,3]}",
        ], lines);
    }

    [Fact]
    public async Task PrettyPrintedPayload_IsStoredOnOneLine()
    {
        using var provider = Open();
        var payload = Encoding.UTF8.GetBytes("{\n  \"content\": \"two\\nlines\",\n  \"n\": [1,\n 2]\n}\n");

        await provider.EventLog.AppendAsync(_id, 1, [new EventToAppend("user_message", T0, payload)]);

        var line = Assert.Single(Lines(provider.EventLog.LogPath(_id)));
        Assert.EndsWith(",\"content\":\"two\\nlines\",\"n\":[1,2]}", line);
    }

    [Fact]
    public async Task PipelinedAppends_ToOneLog_AreAllAcknowledgedInOrder()
    {
        using var provider = Open();
        await provider.EventLog.GetInfoAsync(_id);

        var appends = Enumerable.Range(1, 200).Select(i => provider.EventLog.AppendAsync(_id, i, [Message(i)])).ToList();
        var results = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(2, 200).Select(i => (long)i), results);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), await ReadSeqsAsync(provider.EventLog, _id));
        Assert.True(provider.Statistics.LogWrites <= 200);
        Assert.Equal(200, provider.Statistics.Appends);
    }

    [Fact]
    public async Task ManyLogs_KeepFewFilesOpen()
    {
        using var provider = Open(new FileStorageOptions { MaxOpenLogs = 8 });
        for (var i = 0; i < 60; i++)
        {
            var id = GrainId.Create("session", $"s-{i}");
            await provider.EventLog.AppendAsync(id, 1, [Message(1)]);
            await provider.EventLog.AppendAsync(id, 2, [Message(2)]);
        }

        Assert.True(provider.OpenLogCount <= 8, $"{provider.OpenLogCount} logs in memory");
        if (OperatingSystem.IsLinux())
        {
            var open = Directory.EnumerateFileSystemEntries("/proc/self/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .Count(target => target is not null && target.StartsWith(_directory.Path, StringComparison.Ordinal) && target.EndsWith(".jsonl", StringComparison.Ordinal));
            Assert.InRange(open, 1, 8);
        }

        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(new EventLogInfo(1, 3), await provider.EventLog.GetInfoAsync(GrainId.Create("session", $"s-{i}")));
        }
    }

    [Fact]
    public async Task LongLog_ReadFromTheMiddle_FindsTheRightEvent()
    {
        using var provider = Open();
        var padding = new string('x', 300);
        for (long seq = 1; seq <= 3000; seq += 10)
        {
            var batch = Enumerable.Range(0, 10).Select(i => new EventToAppend("user_message", T0, JsonSerializer.SerializeToUtf8Bytes(new { content = padding, n = seq + i }))).ToList();
            await provider.EventLog.AppendAsync(_id, seq, batch);
        }

        foreach (var from in new long[] { 1, 2, 1500, 2999, 3000 })
        {
            var seqs = await ReadSeqsAsync(provider.EventLog, _id, from);
            Assert.Equal(from, seqs[0]);
            Assert.Equal(3000, seqs[^1]);
            Assert.Equal(3000 - from + 1, seqs.Count);
        }
    }

    [Fact]
    public async Task Reads_DuringAppendsAndCompactions_AlwaysSeeOneContiguousHistory()
    {
        using var provider = Open();
        var log = provider.EventLog;
        var done = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            for (long seq = 1; seq <= 400; seq++)
            {
                await log.AppendAsync(_id, seq, [Message(seq)]);
                if (seq % 50 == 0)
                {
                    await log.CompactAsync(_id, seq - 10, CompactionMode.Archive);
                }
            }

            await done.CancelAsync();
        });
        var reads = 0;
        while (!done.IsCancellationRequested)
        {
            var seqs = await ReadSeqsAsync(log, _id);
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            var tail = await ReadSeqsAsync(log, _id, Math.Max(1, seqs.Count - 5));
            Assert.True(tail.Count == 0 || tail[0] == Math.Max(1, seqs.Count - 5), $"a read from {seqs.Count - 5} started at {tail.FirstOrDefault()}");
            reads++;
        }

        await writer;
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), await ReadSeqsAsync(log, _id));
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task FailedFlush_FailsTheAppend_AndTheSameSeqCanBeAppendedLater()
    {
        using var provider = Open();
        var blocker = Path.Combine(_directory.Path, "sessions", _id.Key.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        System.IO.File.WriteAllText(blocker, "a file where the grain's directory should be");

        await Assert.ThrowsAnyAsync<IOException>(() => provider.EventLog.AppendAsync(_id, 1, [Message(1)]));
        System.IO.File.Delete(blocker);

        Assert.Equal(2, await provider.EventLog.AppendAsync(_id, 1, [Message(1)]));
        Assert.Equal([1L], await ReadSeqsAsync(provider.EventLog, _id));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 4120);
    }

    [Fact]
    public async Task Append_AfterDispose_Throws()
    {
        var provider = Open();
        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => provider.EventLog.AppendAsync(_id, 1, [Message(1)]));
    }
}
