using Duragent.Sessions;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

/// <summary>
/// The <see cref="IGrainStorage"/> contract (after Orleans' GrainStorageTestRunner), run against every provider by
/// subclassing. Each test uses fresh grain ids, so the order does not matter.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    protected IGrainStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync() => Storage = await CreateStorageAsync();

    public Task DisposeAsync() => DisposeStorageAsync();

    protected abstract Task<IGrainStorage> CreateStorageAsync();

    protected abstract Task DisposeStorageAsync();

    protected static GrainId NewGrainId(string type = "contract") => GrainId.Create(type, "g-" + Guid.NewGuid().ToString("N"));

    protected static ContractState SampleState(string name = "first") => new()
    {
        Name = name,
        Count = 3,
        Status = SessionStatus.AwaitingApproval,
        UpdatedAt = new DateTimeOffset(2026, 11, 21, 10, 15, 30, 123, TimeSpan.Zero),
        Timeout = TimeSpan.FromMinutes(5),
        Items = ["a", "b c", "d: e"],
        Labels = { ["gateway"] = "telegram", ["chat"] = "42" },
        Child = new ContractChild { Role = "user", Content = "line one\nline two\n" },
        Note = null,
    };

    [ContractFact]
    public async Task Read_MissingRecord_ReturnsFreshStateWithoutETag()
    {
        var state = new GrainState<ContractState> { State = SampleState(), ETag = "stale", RecordExists = true };

        await Storage.ReadStateAsync("state", NewGrainId(), state);

        Assert.NotNull(state.State);
        Assert.Equal("", state.State!.Name);
        Assert.Empty(state.State.Items);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [ContractFact]
    public async Task Write_OfANullState_StoresAFreshState()
    {
        var id = NewGrainId();
        await Storage.WriteStateAsync("state", id, new GrainState<ContractState>());

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);

        Assert.True(read.RecordExists);
        Assert.Equal("", read.State!.Name);
        Assert.Empty(read.State.Labels);
    }

    [ContractFact]
    public async Task Write_ThenRead_ReturnsTheSameState()
    {
        var id = NewGrainId();
        var written = new GrainState<ContractState> { State = SampleState() };
        await Storage.WriteStateAsync("state", id, written);

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        var expected = SampleState();
        Assert.Equal(expected.Name, read.State!.Name);
        Assert.Equal(expected.Count, read.State!.Count);
        Assert.Equal(expected.Status, read.State!.Status);
        Assert.Equal(expected.UpdatedAt, read.State!.UpdatedAt);
        Assert.Equal(expected.Timeout, read.State!.Timeout);
        Assert.Equal(expected.Items, read.State!.Items);
        Assert.Equal(expected.Labels, read.State!.Labels);
        Assert.Equal(expected.Child!.Content, read.State!.Child!.Content);
        Assert.Equal(expected.Child.Role, read.State!.Child.Role);
        Assert.Null(read.State!.Note);
    }

    [ContractFact]
    public async Task Write_ChangesETagOnEveryWrite_EvenWithTheSameValues()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState() };
        var seen = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            await Storage.WriteStateAsync("state", id, state);
            Assert.True(seen.Add(state.ETag!), $"ETag {state.ETag} was returned twice");
        }
    }

    [ContractFact]
    public async Task Write_WithStaleETag_ThrowsAndKeepsTheStoredState()
    {
        var id = NewGrainId();
        var first = new GrainState<ContractState> { State = SampleState("one") };
        await Storage.WriteStateAsync("state", id, first);
        var stale = new GrainState<ContractState> { State = SampleState("stale"), ETag = first.ETag, RecordExists = true };
        first.State!.Name = "two";
        await Storage.WriteStateAsync("state", id, first);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", id, stale));

        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Equal(stale.ETag, error.CurrentEtag);
        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.Equal("two", read.State!.Name);
    }

    [ContractFact]
    public async Task Write_DuplicateFirstWrite_Throws()
    {
        var id = NewGrainId();
        var one = new GrainState<ContractState> { State = SampleState("one") };
        var two = new GrainState<ContractState> { State = SampleState("two") };
        await Storage.WriteStateAsync("state", id, one);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", id, two));
    }

    [ContractFact]
    public async Task Write_WithETagForMissingRecord_Throws()
    {
        var state = new GrainState<ContractState> { State = SampleState(), ETag = "1", RecordExists = true };

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", NewGrainId(), state));
    }

    [ContractFact]
    public async Task Clear_RemovesTheRecord_AndResetsState()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState() };
        await Storage.WriteStateAsync("state", id, state);

        await Storage.ClearStateAsync("state", id, state);

        Assert.NotNull(state.State);
        Assert.Equal("", state.State!.Name);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [ContractFact]
    public async Task Clear_BeforeAnyWrite_Succeeds()
    {
        var state = new GrainState<ContractState>();

        await Storage.ClearStateAsync("state", NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.NotNull(state.State);
    }

    [ContractFact]
    public async Task Clear_WithStaleETag_ThrowsAndKeepsTheRecord()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState() };
        await Storage.WriteStateAsync("state", id, state);
        var stale = new GrainState<ContractState> { ETag = state.ETag, RecordExists = true };
        await Storage.WriteStateAsync("state", id, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", id, stale));

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.True(read.RecordExists);
    }

    [ContractFact]
    public async Task Clear_WithoutETagWhileRecordExists_Throws()
    {
        var id = NewGrainId();
        await Storage.WriteStateAsync("state", id, new GrainState<ContractState> { State = SampleState() });

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", id, new GrainState<ContractState>()));
    }

    [ContractFact]
    public async Task Clear_Twice_Succeeds()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState() };
        await Storage.WriteStateAsync("state", id, state);

        await Storage.ClearStateAsync("state", id, state);
        await Storage.ClearStateAsync("state", id, state);

        Assert.False(state.RecordExists);
    }

    [ContractFact]
    public async Task WriteClearWrite_ThenRead_ReturnsTheLastState()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState("one") };
        await Storage.WriteStateAsync("state", id, state);
        await Storage.ClearStateAsync("state", id, state);
        state.State = SampleState("three");

        await Storage.WriteStateAsync("state", id, state);

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal("three", read.State!.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [ContractFact]
    public async Task Write_WithETagFromBeforeAClear_Throws()
    {
        var id = NewGrainId();
        var state = new GrainState<ContractState> { State = SampleState() };
        await Storage.WriteStateAsync("state", id, state);
        var old = new GrainState<ContractState> { State = SampleState("old"), ETag = state.ETag, RecordExists = true };
        await Storage.ClearStateAsync("state", id, state);
        await Storage.WriteStateAsync("state", id, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", id, old));
    }

    [ContractFact]
    public async Task StateNames_AreIndependentRecords()
    {
        var id = NewGrainId();
        var main = new GrainState<ContractState> { State = SampleState("main") };
        var other = new GrainState<ContractState> { State = SampleState("other") };
        await Storage.WriteStateAsync("state", id, main);
        await Storage.WriteStateAsync("profile", id, other);
        await Storage.ClearStateAsync("state", id, main);

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("profile", id, read);

        Assert.True(read.RecordExists);
        Assert.Equal("other", read.State!.Name);
    }

    [ContractFact]
    public async Task GrainTypes_WithTheSameKey_AreIndependentRecords()
    {
        var key = "k-" + Guid.NewGuid().ToString("N");
        await Storage.WriteStateAsync("state", GrainId.Create("alpha", key), new GrainState<ContractState> { State = SampleState("alpha") });
        await Storage.WriteStateAsync("state", GrainId.Create("beta", key), new GrainState<ContractState> { State = SampleState("beta") });

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", GrainId.Create("alpha", key), read);

        Assert.Equal("alpha", read.State!.Name);
    }

    [ContractTheory]
    [InlineData("Сергей")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData("line\nbreak")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    public async Task Keys_BreakingGrainKeyRules_AreRejected(string key)
    {
        var state = new GrainState<ContractState> { State = SampleState() };

        await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteStateAsync("state", GrainId.Create("contract", key), state));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.ReadStateAsync("state", GrainId.Create("contract", key), state));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.ClearStateAsync("state", GrainId.Create("contract", key), state));
    }

    [ContractTheory]
    [InlineData("a/b")]
    [InlineData("../escape")]
    [InlineData("my grain")]
    [InlineData("Grains.SessionGrain`1")]
    public async Task GrainTypes_BreakingGrainKeyRules_AreRejected(string type)
    {
        var state = new GrainState<ContractState> { State = SampleState() };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteStateAsync("state", GrainId.Create(type, "k1"), state));

        Assert.Contains("grain type", error.Message);
    }

    [ContractFact]
    public async Task DefaultGrainId_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.ReadStateAsync("state", default, new GrainState<ContractState>()));
    }

    [ContractTheory]
    [InlineData("../state")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task StateNames_BreakingGrainKeyRules_AreRejected(string stateName)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteStateAsync(stateName, NewGrainId(), new GrainState<ContractState>()));
    }

    [ContractFact]
    public async Task Keys_UsingEveryAllowedCharacter_RoundTrip()
    {
        var id = GrainId.Create("contract", "Session_01JD.x-" + Guid.NewGuid().ToString("N")[..8]);
        await Storage.WriteStateAsync("state", id, new GrainState<ContractState> { State = SampleState("keyed") });

        var read = new GrainState<ContractState>();
        await Storage.ReadStateAsync("state", id, read);

        Assert.Equal("keyed", read.State!.Name);
    }

    [ContractFact]
    public async Task ParallelWrites_OfDifferentRecords_AllSucceed()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => NewGrainId()).ToList();

        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var state = new GrainState<ContractState> { State = SampleState($"n{i}") };
            await Storage.WriteStateAsync("state", id, state);
            state.State!.Count = i;
            await Storage.WriteStateAsync("state", id, state);
        }));

        for (var i = 0; i < ids.Count; i++)
        {
            var read = new GrainState<ContractState>();
            await Storage.ReadStateAsync("state", ids[i], read);
            Assert.Equal($"n{i}", read.State!.Name);
            Assert.Equal(i, read.State!.Count);
        }
    }

    [ContractFact]
    public async Task ParallelFirstWrites_OfOneRecord_ExactlyOneSucceeds()
    {
        var id = NewGrainId();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Storage.WriteStateAsync("state", id, new GrainState<ContractState> { State = SampleState($"w{i}") });
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, results.Count(r => r));
    }
}
