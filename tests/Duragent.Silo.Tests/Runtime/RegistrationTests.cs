using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Duragent.Silo.Tests.Runtime;

public sealed class RegistrationTests
{
    [Fact]
    public void AddGrain_RejectsSynchronousMethod()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGrain<ISyncGrain, SyncGrain>());
        Assert.Contains("ISyncGrain.Count", ex.Message, StringComparison.Ordinal);
        Assert.Contains("asynchronous", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrain_RejectsProperty()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGrain<IPropertyGrain, PropertyGrain>());
        Assert.Contains("get_Name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrain_RequiresGrainTypeAttribute()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGrain<IUntypedGrain, UntypedGrain>());
        Assert.Contains("[GrainType", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrain_RejectsInvalidGrainTypeName()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGrain<IBadNameGrain, BadNameGrain>());
        Assert.Contains("invalid grain type name 'no/slash'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrain_RejectsDuplicateTypeName()
    {
        var services = new ServiceCollection().AddGrain<ILifecycleGrain, LifecycleGrain>();
        var ex = Assert.Throws<InvalidOperationException>(() => services.AddGrain<ISameNameGrain, SameNameGrain>());
        Assert.Contains("'lifecycle'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGrain_RejectsPersistentStateOfWrongType()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGrain<IWrongStateGrain, WrongStateGrain>());
        Assert.Contains("IPersistentState<TState>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FailsWhenNamedStorageIsMissing()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestSilo.StartAsync(b => b.WithProbe(new Probe()).AddGrain<IBrokenStateGrain, BrokenStateGrain>()));
        Assert.Contains("'failing'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("broken-state", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FailsOnInvalidOptions_NamingTheOption()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSilo.StartAsync(b => b.ConfigureSilo(o =>
        {
            o.ResponseTimeout = TimeSpan.Zero;
            o.CollectionQuantum = TimeSpan.FromSeconds(-1);
        })));
        Assert.Contains("SiloOptions.ResponseTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SiloOptions.CollectionQuantum", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Duragent silo", ex.Message, StringComparison.Ordinal);
    }

    [GrainType("sync")]
    public interface ISyncGrain : IGrainWithStringKey
    {
        int Count();
    }

    public sealed class SyncGrain : Grain, ISyncGrain
    {
        public int Count() => 0;
    }

    [GrainType("property")]
    public interface IPropertyGrain : IGrainWithStringKey
    {
        string Name { get; }
    }

    public sealed class PropertyGrain : Grain, IPropertyGrain
    {
        public string Name => "";
    }

    public interface IUntypedGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    public sealed class UntypedGrain : Grain, IUntypedGrain
    {
        public Task PingAsync() => Task.CompletedTask;
    }

    [GrainType("no/slash")]
    public interface IBadNameGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    public sealed class BadNameGrain : Grain, IBadNameGrain
    {
        public Task PingAsync() => Task.CompletedTask;
    }

    [GrainType("lifecycle")]
    public interface ISameNameGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    public sealed class SameNameGrain : Grain, ISameNameGrain
    {
        public Task PingAsync() => Task.CompletedTask;
    }

    [GrainType("wrong-state")]
    public interface IWrongStateGrain : IGrainWithStringKey
    {
        Task PingAsync();
    }

    public sealed class WrongStateGrain([PersistentState("s")] CounterState state) : Grain, IWrongStateGrain
    {
        public Task PingAsync() => Task.FromResult(state.Value);
    }
}
