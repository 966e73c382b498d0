using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>
/// Starts and stops the runtime with the host. Start: check storage bindings, start the idle collector, load
/// reminders. Stop (graceful): refuse new calls, stop reminder ticks, drain running and queued requests up to
/// <see cref="SiloOptions.DrainTimeout"/>, then deactivate every activation (their hooks flush state).
/// </summary>
internal sealed class SiloHostedService(Catalog catalog, LocalReminderService reminders, TimeProvider time, ILogger<SiloHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Start();
        await reminders.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var drainTimeout = catalog.Options.DrainTimeout;
        logger.LogInformationShutdownStarted(catalog.Count, drainTimeout);
        catalog.BeginShutdown();
        reminders.StopScheduling();
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            drain.CancelAfter(drainTimeout, time);
            await catalog.DrainAsync(drain.Token);
            await reminders.WaitForDeliveriesAsync(drain.Token);
        }

        await catalog.DeactivateAllAsync(cancellationToken);
    }
}

/// <summary><see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> on a <see cref="TimeProvider"/>.</summary>
internal static class CancellationTokenSourceExtensions
{
    public static void CancelAfter(this CancellationTokenSource source, TimeSpan delay, TimeProvider time)
    {
        var timer = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), source, delay, Timeout.InfiniteTimeSpan);
        source.Token.Register(static t => ((ITimer)t!).Dispose(), timer);
    }
}
