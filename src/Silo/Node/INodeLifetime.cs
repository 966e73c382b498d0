using Microsoft.Extensions.Hosting;

namespace Duragent.Node;

/// <summary>
/// The process around a silo, as the node grain needs it: whether it is stopping, a way to stop it once, and where
/// its HTTP gateway listens. The HTTP gateway replaces the default with its own lifetime (readiness included).
/// </summary>
public interface INodeLifetime
{
    /// <summary>True once stopping began.</summary>
    bool IsStopping { get; }

    /// <summary>Where the HTTP gateway listens (empty without one, or before it started).</summary>
    IReadOnlyList<Uri> HttpAddresses { get; }

    /// <summary>Claims the shutdown: true the first time, and only when the host is not stopping already.</summary>
    bool TryBeginShutdown();

    /// <summary>Asks the host to stop gracefully.</summary>
    void StopApplication();
}

/// <summary>The default <see cref="INodeLifetime"/> of a silo without an HTTP gateway (test clusters).</summary>
internal sealed class HostNodeLifetime(IHostApplicationLifetime lifetime) : INodeLifetime
{
    private int _shutdownRequested;

    public bool IsStopping => lifetime.ApplicationStopping.IsCancellationRequested;

    public IReadOnlyList<Uri> HttpAddresses => [];

    public bool TryBeginShutdown() => !IsStopping && Interlocked.Exchange(ref _shutdownRequested, 1) == 0;

    public void StopApplication() => lifetime.StopApplication();
}
