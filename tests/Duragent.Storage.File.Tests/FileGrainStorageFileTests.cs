using Duragent.Sessions;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

/// <summary>The state files themselves: where they are, what they look like, and damaged or half-written ones.</summary>
public sealed class FileGrainStorageFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose() => _directory.Dispose();

    private FileStorageProvider Open(Action<FileStorageOptions>? configure = null)
    {
        var options = new FileStorageOptions { RootDirectory = _directory.Path };
        configure?.Invoke(options);
        return new FileStorageProvider(options, _logs);
    }

    [Fact]
    public async Task StateFiles_LiveInTheGrainsFolder()
    {
        using var provider = Open();
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("session", "s1"), new GrainState<ContractState>());
        await provider.GrainStorage.WriteStateAsync("profile", GrainId.Create("session", "s1"), new GrainState<ContractState>());
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("schedule", "daily"), new GrainState<ContractState>());
        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("agent_memory", "m1"), new GrainState<ContractState>());

        Assert.True(System.IO.File.Exists(Path.Combine(_directory.Path, "sessions", "s1", "state.yaml")));
        Assert.True(System.IO.File.Exists(Path.Combine(_directory.Path, "sessions", "s1", "profile.state.yaml")));
        Assert.True(System.IO.File.Exists(Path.Combine(_directory.Path, "schedules", "daily", "state.yaml")));
        Assert.True(System.IO.File.Exists(Path.Combine(_directory.Path, "grains", "agent_memory", "m1", "state.yaml")));
    }

    [Fact]
    public async Task TypeFolders_AreConfigurable()
    {
        using var provider = Open(o => o.TypeFolders["session"] = "chats/v1");

        await provider.GrainStorage.WriteStateAsync("state", GrainId.Create("session", "s1"), new GrainState<ContractState>());

        Assert.True(System.IO.File.Exists(Path.Combine(_directory.Path, "chats", "v1", "s1", "state.yaml")));
    }

    [Fact]
    public async Task StateFile_IsReadableYaml()
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s1");
        var state = new GrainState<ContractState>
        {
            State = new ContractState
            {
                Name = "helper",
                Status = SessionStatus.AwaitingApproval,
                UpdatedAt = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero),
                Child = new ContractChild { Role = "assistant", Content = "first line\nsecond line\n" },
            },
        };

        await provider.GrainStorage.WriteStateAsync("state", id, state);
        await provider.GrainStorage.WriteStateAsync("state", id, state);

        var text = await System.IO.File.ReadAllTextAsync(provider.GrainStorage.StatePath(id, "state"));
        Assert.StartsWith("# Duragent grain state of session/s1, record 'state'.", text);
        Assert.Contains("\nversion: 2\n", text);
        Assert.Contains("\nstate:\n  name: helper\n", text);
        Assert.Contains("  status: awaiting_approval\n", text);
        Assert.Contains("  updated_at: 2026-11-21T10:00:00.0000000+00:00\n", text);
        Assert.Contains("    content: |\n      first line\n      second line\n", text);
        Assert.Equal("2", state.ETag);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("  leading spaces")]
    [InlineData("trailing spaces  ")]
    [InlineData("a\nb")]
    [InlineData("ends with newline\n")]
    [InlineData("ends with two\n\n")]
    [InlineData("\nstarts with newline")]
    [InlineData("windows\r\nline")]
    [InlineData("cr\ronly")]
    [InlineData("bell\u0007 and nul\u0000")]
    [InlineData("~")]
    [InlineData("'quoted'")]
    [InlineData("\"double\"")]
    [InlineData("tab\tand # hash: colon - dash")]
    [InlineData("line with trailing space \nnext")]
    [InlineData("  indented\n    more\n")]
    [InlineData("- looks like a list\n- item")]
    [InlineData("null")]
    [InlineData("123")]
    [InlineData("true")]
    [InlineData("héllo wörld ✓ 日本")]
    public async Task Strings_RoundTripExactly(string text)
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s-strings");

        await provider.GrainStorage.WriteStateAsync("state", id, new GrainState<ContractState> { State = new ContractState { Name = text, Note = text } });
        var read = new GrainState<ContractState>();
        await provider.GrainStorage.ReadStateAsync("state", id, read);

        Assert.Equal(text, read.State!.Name);
        Assert.Equal(text, read.State!.Note);
    }

    [Fact]
    public async Task HalfWrittenTempFile_IsIgnoredAndDeleted()
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s1");
        await provider.GrainStorage.WriteStateAsync("state", id, new GrainState<ContractState> { State = new ContractState { Name = "complete" } });
        var path = provider.GrainStorage.StatePath(id, "state");
        var temp = path + ".00aa11bb22cc.tmp";
        await System.IO.File.WriteAllTextAsync(temp, "# Duragent grain state\nversion: 2\nstate:\n  name: half-wri");

        var read = new GrainState<ContractState>();
        await provider.GrainStorage.ReadStateAsync("state", id, read);

        Assert.Equal("complete", read.State!.Name);
        Assert.Equal("1", read.ETag);
        Assert.False(System.IO.File.Exists(temp));
        Assert.Contains(temp, Assert.Single(_logs.Warnings).Message);
    }

    [Fact]
    public async Task CorruptStateFile_FailsNamingTheFileAndLine()
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s1");
        var path = provider.GrainStorage.StatePath(id, "state");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await System.IO.File.WriteAllTextAsync(path, "version: 3\nstate:\n  name: ok\n  items: [unclosed\n");

        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.GrainStorage.ReadStateAsync("state", id, new GrainState<ContractState>()));

        Assert.StartsWith(path + ":", error.Message);
        Assert.Equal(path, error.Location);
        Assert.NotNull(error.Line);
        Assert.InRange(error.Line!.Value, 4, 5);
    }

    [Fact]
    public async Task StateFileWithAWrongType_FailsNamingTheFile()
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s1");
        var path = provider.GrainStorage.StatePath(id, "state");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await System.IO.File.WriteAllTextAsync(path, "version: 3\nstate:\n  count: many\n");

        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.GrainStorage.ReadStateAsync("state", id, new GrainState<ContractState>()));

        Assert.StartsWith(path + ":3:", error.Message);
    }

    [Fact]
    public async Task StateFileWithoutVersion_FailsRatherThanReadingAsEmpty()
    {
        using var provider = Open();
        var id = GrainId.Create("session", "s1");
        var path = provider.GrainStorage.StatePath(id, "state");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await System.IO.File.WriteAllTextAsync(path, "");

        var error = await Assert.ThrowsAsync<StorageCorruptedException>(() => provider.GrainStorage.ReadStateAsync("state", id, new GrainState<ContractState>()));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Versions_ContinueAcrossReopen()
    {
        var id = GrainId.Create("session", "s1");
        using (var provider = Open())
        {
            var state = new GrainState<ContractState>();
            for (var i = 0; i < 3; i++)
            {
                await provider.GrainStorage.WriteStateAsync("state", id, state);
            }
        }

        using var reopened = Open();
        var read = new GrainState<ContractState>();
        await reopened.GrainStorage.ReadStateAsync("state", id, read);
        await reopened.GrainStorage.WriteStateAsync("state", id, read);

        Assert.Equal("4", read.ETag);
    }

    [Fact]
    public async Task Write_WithoutAPriorRead_ChecksTheVersionOnDisk()
    {
        var id = GrainId.Create("session", "s1");
        using (var provider = Open())
        {
            await provider.GrainStorage.WriteStateAsync("state", id, new GrainState<ContractState>());
        }

        using var reopened = Open();

        await Assert.ThrowsAsync<InconsistentStateException>(() => reopened.GrainStorage.WriteStateAsync("state", id, new GrainState<ContractState>()));
        await reopened.GrainStorage.WriteStateAsync("state", id, new GrainState<ContractState> { ETag = "1" });
    }
}
