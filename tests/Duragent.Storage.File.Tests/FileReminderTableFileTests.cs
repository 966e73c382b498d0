using Orleans;
using Orleans.Runtime;

namespace Duragent.Storage.File.Tests;

/// <summary>The reminder files themselves: where they are, what they look like, old and damaged ones, reopening.</summary>
public sealed class FileReminderTableFileTests : IDisposable
{
    private static readonly DateTime At = new(2026, 11, 21, 9, 0, 0, DateTimeKind.Utc);

    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose() => _directory.Dispose();

    private FileStorageProvider Open() => new(new FileStorageOptions { RootDirectory = _directory.Path }, _logs);

    private string RowFile(string type, string key, string name) => Path.Combine(_directory.Path, "reminders", type, key, name + ".yaml");

    private static ReminderEntry Entry(GrainId id, string name, TimeSpan period) =>
        new() { GrainId = id, ReminderName = name, StartAt = At, Period = period };

    [Fact]
    public async Task Rows_AreOneYamlFilePerRow()
    {
        using var provider = Open();

        await provider.Reminders.UpsertRow(Entry(GrainId.Create("schedule", "daily"), "fire", TimeSpan.FromDays(1)));

        var text = System.IO.File.ReadAllText(RowFile("schedule", "daily", "fire"));
        Assert.Equal(
            "# Duragent reminder 'fire' of schedule/daily.\n"
            + "# Written atomically by Duragent; 'version' is the row's ETag. Edit only while the silo is stopped.\n"
            + "version: 1\ngrain: schedule/daily\nname: fire\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 1.00:00:00\n",
            text);
        Assert.Equal(RowFile("schedule", "daily", "fire"), provider.Reminders.RowPath(GrainId.Create("schedule", "daily"), "fire"));
    }

    [Fact]
    public async Task Rows_SurviveAReopen_AndTheirVersionsContinue()
    {
        var id = GrainId.Create("schedule", "daily");
        string? eTag;
        using (var provider = Open())
        {
            await provider.Reminders.UpsertRow(Entry(id, "fire", TimeSpan.FromHours(1)));
            eTag = await provider.Reminders.UpsertRow(Entry(id, "fire", TimeSpan.FromDays(1)));
        }

        using var reopened = Open();
        var read = await reopened.Reminders.ReadRow(id, "fire");
        var next = await reopened.Reminders.UpsertRow(Entry(id, "fire", TimeSpan.FromDays(2)));

        Assert.Equal(eTag, read!.ETag);
        Assert.Equal(At, read.StartAt);
        Assert.Equal(TimeSpan.FromDays(1), read.Period);
        Assert.Equal("3", next);
        Assert.Single((await reopened.Reminders.ReadRows(id.GetUniformHashCode() - 1, id.GetUniformHashCode())).Reminders);
    }

    [Fact]
    public async Task RowsWrittenBeforeOrleans_ReadUnchanged_AndLoseTheOldFieldsAtTheNextUpsert()
    {
        var file = RowFile("schedule", "daily", "fire");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, """
            # Duragent reminder 'fire' of schedule/daily.
            # Written atomically by Duragent; 'version' is the row's ETag. Edit only while the silo is stopped.
            version: 7
            grain: schedule/daily
            name: fire
            start_at: 2026-11-21T09:00:00.0000000Z
            period: 1.00:00:00
            missed_tick_policy: fire_once
            last_tick_at: 2026-11-22T09:00:00.0000000Z
            next_due_at: 2026-11-23T09:00:00.0000000Z

            """);
        using var provider = Open();
        var id = GrainId.Create("schedule", "daily");

        var read = await provider.Reminders.ReadRow(id, "fire");
        var all = (await provider.Reminders.ReadRows(0, 0)).Reminders;
        var eTag = await provider.Reminders.UpsertRow(Entry(id, "fire", TimeSpan.FromDays(1)));

        Assert.Equal("7", read!.ETag);
        Assert.Equal(At, read.StartAt);
        Assert.Equal(TimeSpan.FromDays(1), read.Period);
        Assert.Equal(id, Assert.Single(all).GrainId);
        Assert.Equal("8", eTag);
        Assert.DoesNotContain("next_due_at", System.IO.File.ReadAllText(file));
    }

    [Fact]
    public async Task OneShotRowsWrittenBeforeOrleans_AreServedWithAOneMinutePeriod()
    {
        var file = RowFile("session", "s1", "ttl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, """
            version: 2
            grain: session/s1
            name: ttl
            start_at: 2026-11-21T09:00:00.0000000Z
            period: 00:00:00
            missed_tick_policy: fire_once
            next_due_at: 2026-11-21T09:00:00.0000000Z

            """);
        using var provider = Open();
        var id = GrainId.Create("session", "s1");

        var read = await provider.Reminders.ReadRow(id, "ttl");

        Assert.Equal(TimeSpan.FromMinutes(1), read!.Period);
        Assert.Equal(FileReminderTable.LegacyOneShotPeriod, read.Period);
        Assert.Equal(At, read.StartAt);
        Assert.Contains(file, Assert.Single(_logs.Warnings).Message);
        Assert.True(await provider.Reminders.RemoveRow(id, "ttl", read.ETag!));
        Assert.False(System.IO.File.Exists(file));
    }

    [Fact]
    public async Task RemovingTheLastRow_RemovesTheGrainsFolders()
    {
        using var provider = Open();
        var id = GrainId.Create("schedule", "daily");
        var eTag = await provider.Reminders.UpsertRow(Entry(id, "fire", TimeSpan.FromDays(1)));

        Assert.True(await provider.Reminders.RemoveRow(id, "fire", eTag!));

        Assert.False(Directory.Exists(Path.Combine(_directory.Path, "reminders", "schedule", "daily")));
        Assert.False(Directory.Exists(Path.Combine(_directory.Path, "reminders", "schedule")));
    }

    [Fact]
    public async Task TestOnlyClearTable_DeletesTheFiles()
    {
        using var provider = Open();
        await provider.Reminders.UpsertRow(Entry(GrainId.Create("schedule", "a"), "fire", TimeSpan.FromDays(1)));
        await provider.Reminders.UpsertRow(Entry(GrainId.Create("session", "b"), "ttl", TimeSpan.FromDays(1)));

        await provider.Reminders.TestOnlyClearTable();

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory.Path, "reminders"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task HalfWrittenTempFile_IsDeletedOnLoad()
    {
        var temp = RowFile("schedule", "daily", "fire") + ".00aa11bb22cc.tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        System.IO.File.WriteAllText(temp, "version: 2\nstart_at: 2026-");
        using var provider = Open();

        await provider.Reminders.StartAsync(CancellationToken.None);
        await provider.Reminders.InitialLoad;

        Assert.False(System.IO.File.Exists(temp));
        Assert.Contains(temp, Assert.Single(_logs.Warnings).Message);
        Assert.Empty((await provider.Reminders.ReadRows(0, 0)).Reminders);
    }

    [Fact]
    public async Task CorruptFile_DoesNotFailTheStart_ButFailsEveryCallNamingTheFile()
    {
        var file = RowFile("schedule", "daily", "fire");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, "version: 1\nstart_at: yesterday\n");
        using var provider = Open();

        await provider.Reminders.StartAsync(CancellationToken.None);
        await provider.Reminders.InitialLoad;

        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.Reminders.ReadRows(0, 0));
        Assert.Contains(file, error.Message);
        Assert.Contains("start_at", error.Message);
        Assert.Contains(_logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Exception is StorageCorruptedException);
        await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.Reminders.UpsertRow(Entry(GrainId.Create("schedule", "other"), "fire", TimeSpan.FromDays(1))));
    }

    [Fact]
    public async Task Start_ReturnsBeforeTheRowsAreRead_AndCallsWaitForThem()
    {
        for (var i = 0; i < 200; i++)
        {
            var file = RowFile("session", $"s{i}", "ttl");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            System.IO.File.WriteAllText(file, $"version: 3\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n");
        }

        using var provider = Open();

        // The start arms the read; the rows' first reader gets every row, whether the read finished or not.
        await provider.Reminders.StartAsync(CancellationToken.None);
        var all = (await provider.Reminders.ReadRows(0, 0)).Reminders;
        var one = await provider.Reminders.ReadRow(GrainId.Create("session", "s123"), "ttl");
        await provider.Reminders.InitialLoad;

        Assert.Equal(200, all.Count);
        Assert.Equal("3", one!.ETag);
    }

    [Theory]
    [InlineData("version: 4\ngrain: session/s1\nname: ttl\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n", true)]
    [InlineData("# note\r\nversion: 4\r\nstart_at: 2026-11-21T09:00:00.0000000Z\r\nperiod: 00:01:00\r\nnext_due_at: 2026-11-22T09:00:00Z\r\n", true)]
    [InlineData("version: 4\nstart_at: '2026-11-21T09:00:00.0000000Z'\nperiod: 00:01:00\n", false)]
    [InlineData("version: 4\nstart_at: 2026-11-21T09:00:00.0000000Z # edited\nperiod: 00:01:00\n", false)]
    [InlineData("version: 0x4\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n", false)]
    [InlineData("version: 4\nversion: 5\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n", false)]
    [InlineData("version: 4\nstart_at: ~\nperiod: 00:01:00\n", false)]
    [InlineData("version: 4\nnotes:\n  - a\nstart_at: 2026-11-21T09:00:00.0000000Z\nperiod: 00:01:00\n", false)]
    [InlineData("{version: 4, start_at: 2026-11-21T09:00:00.0000000Z, period: 00:01:00}\n", false)]
    public void SimpleFiles_ReadWithoutTheYamlLibrary_AsTheYamlLibraryReadsThem_OthersAreLeftToIt(string text, bool simple)
    {
        var fast = ReminderDocument.TryParseSimple(text);

        Assert.Equal(simple, fast is not null);
        if (fast is not null)
        {
            var yaml = StateYaml.Deserialize<ReminderDocument>(text, "row.yaml");
            Assert.Equal((yaml.Version, yaml.Grain, yaml.Name, yaml.StartAt, yaml.Period), (fast.Version, fast.Grain, fast.Name, fast.StartAt, fast.Period));
        }
    }

    [Fact]
    public async Task HandEditedRows_ThatAreNotSimple_ReadAsYaml()
    {
        var file = RowFile("schedule", "daily", "fire");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        System.IO.File.WriteAllText(file, "version: 2\nstart_at: \"2026-11-21T09:00:00.0000000Z\"  # moved by hand\nperiod: '1.00:00:00'\n");
        using var provider = Open();

        var read = await provider.Reminders.ReadRow(GrainId.Create("schedule", "daily"), "fire");

        Assert.Equal(At, read!.StartAt);
        Assert.Equal(TimeSpan.FromDays(1), read.Period);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task WrittenRows_AreSimple()
    {
        using var provider = Open();

        await provider.Reminders.UpsertRow(Entry(GrainId.Create("schedule", "daily"), "fire", TimeSpan.FromDays(1)));

        Assert.NotNull(ReminderDocument.TryParseSimple(System.IO.File.ReadAllText(RowFile("schedule", "daily", "fire"))));
    }

    [Fact]
    public async Task UnexpectedEntries_AreSkippedWithAWarning()
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, "reminders", "bad type", "k1"));
        Directory.CreateDirectory(Path.Combine(_directory.Path, "reminders", "schedule", "daily"));
        System.IO.File.WriteAllText(Path.Combine(_directory.Path, "reminders", "schedule", "daily", "notes.txt"), "hello");
        using var provider = Open();

        await provider.Reminders.StartAsync(CancellationToken.None);
        await provider.Reminders.InitialLoad;

        Assert.Equal(2, _logs.Warnings.Count());
        Assert.Empty((await provider.Reminders.ReadRows(0, 0)).Reminders);
    }
}
