using Duragent.Memory;
using Duragent.Storage.File;
using Duragent.Testing;

namespace Duragent.Grains.Tests.Memory;

/// <summary>The memory contract on plain files, and what only files show: paths a person can find, no leftovers.</summary>
public sealed class FileMemoryStoreTests : MemoryStoreContractTests
{
    private readonly TempDirectory _directory = new("memory-store");

    private string Agents => Path.Combine(_directory.Path, "agents");

    private string World => Path.Combine(_directory.Path, "memory", "world");

    protected override Task<IMemoryStore> CreateStore() => Task.FromResult<IMemoryStore>(new FileMemoryStore(Agents, World));

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Files_AreWhereTheDocsSay_AndNoTempFilesRemain()
    {
        await Store.WriteCuratedAsync("alpha", "curated\n");
        await Store.WriteCuratedAsync("alpha", "curated again\n");
        await Store.AppendDailyAsync("alpha", new DateOnly(2026, 12, 3), "entry\n");
        await Store.WriteWorldAsync("project-alpha", "world\n");

        Assert.Equal("curated again\n", await File.ReadAllTextAsync(Path.Combine(Agents, "alpha", "memory", "MEMORY.md")));
        Assert.Equal("# 2026-12-03\nentry\n", await File.ReadAllTextAsync(Path.Combine(Agents, "alpha", "memory", "daily", "2026-12-03.md")));
        Assert.Equal("world\n", await File.ReadAllTextAsync(Path.Combine(World, "project-alpha.md")));
        var leftovers = Directory.EnumerateFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories).ToList();
        Assert.Empty(leftovers);
    }

    [Fact]
    public async Task FilesAPersonEdits_AreRead_AndStrayFilesAreIgnored()
    {
        Directory.CreateDirectory(Path.Combine(Agents, "alpha", "memory", "daily"));
        Directory.CreateDirectory(World);
        await File.WriteAllTextAsync(Path.Combine(Agents, "alpha", "memory", "MEMORY.md"), "edited by hand\n");
        await File.WriteAllTextAsync(Path.Combine(Agents, "alpha", "memory", "daily", "notes.md"), "not a day\n");
        await File.WriteAllTextAsync(Path.Combine(World, "Team Rules.md"), "be kind\n");
        await File.WriteAllTextAsync(Path.Combine(World, ".half-written.md.tmp"), "junk");

        Assert.Equal("edited by hand\n", (await Store.ReadCuratedAsync("alpha"))?.Text);
        Assert.Empty(await Store.ListDailyAsync("alpha"));
        var topic = Assert.Single(await Store.ListWorldAsync());
        Assert.Equal("Team Rules", topic.Name);
    }

    [Fact]
    public async Task AnAppendToATruncatedDay_StillStartsTheHeaderOnce()
    {
        var day = new DateOnly(2026, 12, 4);
        var path = Path.Combine(Agents, "alpha", "memory", "daily", "2026-12-04.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, string.Empty);

        await Store.AppendDailyAsync("alpha", day, "a\n");
        await Store.AppendDailyAsync("alpha", day, "b\n");

        Assert.Equal("# 2026-12-04\na\nb\n", await File.ReadAllTextAsync(path));
    }
}
