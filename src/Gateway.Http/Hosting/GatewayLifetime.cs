using Duragent.Node;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// Where the server is in its life, for <c>/readyz</c>, for streams that must end when it stops, and for the admin
/// shutdown (which must be requested once). Readiness ends at the host's first stopping step, before the silo or
/// Kestrel stop, so a load balancer stops sending work as early as possible.
/// </summary>
public sealed class GatewayLifetime(IHostApplicationLifetime lifetime, IServiceProvider services) : IHostedLifecycleService, INodeLifetime
{
    private int _shutdownRequested;
    private volatile bool _stopping;

    /// <summary>True once every hosted service started (silo, storage, Kestrel) and until stopping begins.</summary>
    public bool IsReady => lifetime.ApplicationStarted.IsCancellationRequested && !IsStopping;

    /// <summary>True once stopping began (Ctrl-C, SIGTERM, the admin endpoint or the host's owner).</summary>
    public bool IsStopping => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Where Kestrel listens once started (the real port when 0 was asked for).</summary>
    public IReadOnlyList<Uri> HttpAddresses =>
        services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];

    /// <summary>Fires when the host stops; streams and waits end on it so that the silo can drain.</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    /// <summary>
    /// Claims the shutdown: true the first time (and only when the host is not stopping already). The caller then
    /// calls <see cref="StopApplication"/> once its response is sent.
    /// </summary>
    public bool TryBeginShutdown() => !IsStopping && Interlocked.Exchange(ref _shutdownRequested, 1) == 0;

    /// <summary>Asks the host to stop gracefully.</summary>
    public void StopApplication() => lifetime.StopApplication();

    Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        return Task.CompletedTask;
    }

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
