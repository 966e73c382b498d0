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
        using (var deadline = new CancellationTokenSource(drainTimeout, time))
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
        {
            await catalog.DrainAsync(drain.Token);
            await reminders.WaitForDeliveriesAsync(drain.Token);
        }

        await catalog.DeactivateAllAsync(cancellationToken);
    }
}
