using Duragent.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Cli.Serve;

/// <summary>
/// Stops a server started with <c>--ephemeral N</c> once it has been idle for N seconds: no live session (no client
/// attached to a session stream, no turn running: <see cref="ISessionActivity.IsLive"/> false) and no API request in
/// flight, since the later of <see cref="ISessionActivity.LastActiveAt"/>, the last API request, and the moment the
/// server became ready. Requests count so that the client that started the server is not raced between
/// "ready" and its first call.
/// </summary>
internal sealed partial class IdleShutdownService(
    ISessionActivity activity,
    RequestActivity requests,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    IdleShutdownOptions options,
    ILogger<IdleShutdownService> logger) : BackgroundService
{
    /// <summary>
    /// True when nothing is live or in flight and the last activity (or <paramref name="readyAt"/>, if later) is at
    /// least <paramref name="idleTime"/> old.
    /// </summary>
    /// <param name="firstClientGrace">The least idle time while no request was ever seen.</param>
    public static bool IsIdle(ISessionActivity activity, RequestActivity requests, DateTimeOffset readyAt, DateTimeOffset now, TimeSpan idleTime, TimeSpan firstClientGrace = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(requests);
        if (activity.IsLive || requests.InFlight > 0)
        {
            return false;
        }

        var last = new[] { activity.LastActiveAt, requests.LastRequestAt, readyAt }.Max();
        return now - last >= (requests.AnySeen || firstClientGrace <= idleTime ? idleTime : firstClientGrace);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Idle time counts from when the server is ready, not from when the process began loading.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => ready.TrySetResult()))
        {
            await ready.Task.WaitAsync(stoppingToken);
        }

        var readyAt = clock.GetUtcNow();
        LogInformationArmed(logger, options.IdleTime.TotalSeconds);
        using var timer = new PeriodicTimer(options.CheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                if (IsIdle(activity, requests, readyAt, now, options.IdleTime, options.FirstClientGrace))
                {
                    LogInformationIdle(logger, options.IdleTime.TotalSeconds);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping anyway.
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Ephemeral server: stops after {IdleSeconds} s without a live session")]
    private static partial void LogInformationArmed(ILogger logger, double idleSeconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "No live session for {IdleSeconds} s; shutting down")]
    private static partial void LogInformationIdle(ILogger logger, double idleSeconds);
}
