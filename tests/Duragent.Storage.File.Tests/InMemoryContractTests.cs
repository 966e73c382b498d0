using Duragent.Testing;
using Orleans;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

// The in-memory doubles that test silos use keep the same contracts as the file provider.

public sealed class InMemoryGrainStorageContractTests : GrainStorageContractTests
{
    protected override Task<IGrainStorage> CreateStorageAsync() => Task.FromResult<IGrainStorage>(new InMemoryGrainStorage());

    protected override Task DisposeStorageAsync() => Task.CompletedTask;
}

public sealed class InMemoryReminderTableContractTests : ReminderTableContractTests
{
    protected override Task<IReminderTable> CreateTableAsync() => Task.FromResult<IReminderTable>(new InMemoryReminderTable());

    protected override Task DisposeTableAsync() => Task.CompletedTask;
}

public sealed class InMemoryEventLogContractTests : EventLogContractTests
{
    protected override Task<IEventLogStorage> CreateStorageAsync() => Task.FromResult<IEventLogStorage>(new InMemoryEventLogStorage());

    protected override Task DisposeStorageAsync() => Task.CompletedTask;
}
