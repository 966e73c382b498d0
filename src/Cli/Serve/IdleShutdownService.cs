using Duragent.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Cli.Serve;

/// <summary>
/// Stops a server started with <c>--ephemeral N</c> once it has had no live session for N seconds: no client
/// attached to a session stream and no turn running (<see cref="ISessionActivity.IsLive"/> false) since
/// <see cref="ISessionActivity.LastActiveAt"/> + N.
/// </summary>
internal sealed partial class IdleShutdownService(
    ISessionActivity activity,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    IdleShutdownOptions options,
    ILogger<IdleShutdownService> logger) : BackgroundService
{
    /// <summary>True when nothing is live and the last activity is at least <paramref name="idleTime"/> old.</summary>
    public static bool IsIdle(ISessionActivity activity, DateTimeOffset now, TimeSpan idleTime)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return !activity.IsLive && now - activity.LastActiveAt >= idleTime;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Idle time counts from when the server is up, not from when the process began loading.
        var started = clock.GetUtcNow();
        LogInformationArmed(logger, options.IdleTime.TotalSeconds);
        using var timer = new PeriodicTimer(options.CheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                if (now - started >= options.IdleTime && IsIdle(activity, now, options.IdleTime))
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
