using Duragent.Cli.Output;
using Duragent.Configuration;
using Duragent.Gateway.Http.Hosting;
using Duragent.Storage.File;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Duragent.Cli.Serve;

/// <summary>
/// Runs the server in this process: the silo and the HTTP gateway (<see cref="DuragentServer"/>), logs on stderr at
/// the <c>-v/-q</c> level, one ready line on stdout with the URL, idle shutdown for <c>--ephemeral</c>, and a
/// graceful stop on Ctrl-C, SIGTERM or the admin API.
/// </summary>
internal static class ServeHost
{
    public static async Task<int> RunAsync(ServeSettings settings, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        var workspace = new DuragentWorkspace(settings.Config);
        var overrides = new ServeOverrides
        {
            ConfigureNode = node => node.ConfigureSilo = silo => silo.AddIncomingGrainCallFilter<ClientCallActivity>(),
            ConfigureServices = services =>
            {
                services.AddSingleton<RequestActivity>();
                if (settings.Ephemeral is { } idle)
                {
                    services.AddSingleton(new IdleShutdownOptions(idle) { FirstClientGrace = IdleShutdownOptions.DefaultFirstClientGrace });
                    services.AddHostedService<IdleShutdownService>();
                }
            },
        };

        var builder = DuragentServer.CreateBuilder(workspace, overrides);
        ConfigureLogging(builder.Logging, settings, console);
        await using var app = builder.Build();
        var requests = app.Services.GetRequiredService<RequestActivity>();
        app.Use(async (context, next) =>
        {
            if (!RequestActivity.Counts(context.Request.Path.Value))
            {
                await next(context);
                return;
            }

            requests.Begin();
            try
            {
                await next(context);
            }
            finally
            {
                requests.End();
            }
        });
        app.MapDuragentGateway();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(
                $"Cannot listen on {settings.Config.Server.Host}:{settings.Config.Server.Port}: {ex.Message} " +
                "Another server may be running: check with `duragent serve status`, or pick another --port.", ex);
        }
        catch (WorkspaceLockedException ex)
        {
            throw new CliException(ex.Message, ex);
        }

        var address = app.GetListenAddresses().FirstOrDefault()?.ToString().TrimEnd('/') ?? $"http://{settings.Config.Server.Host}:{settings.Config.Server.Port}";
        console.Out.WriteLine($"duragent {BuildInfo.Version} ready on {address} (workspace {workspace.Directory}, pid {Environment.ProcessId}" +
            (settings.Ephemeral is { } seconds ? $", stops after {seconds.TotalSeconds:0} s without a live session)" : ")"));
        console.Out.Flush();
        await app.WaitForShutdownAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ServeSettings settings, CliConsole console)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = settings.Detached || !console.ErrorColors
                ? Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled
                : Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Enabled;
        });

        // Logs go to stderr; stdout carries only the ready line.
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        var (duragent, framework) = settings.Verbosity switch
        {
            < 0 => (LogLevel.Error, LogLevel.Error),
            0 => (LogLevel.Information, LogLevel.Warning),
            1 => (LogLevel.Debug, LogLevel.Information),
            _ => (LogLevel.Trace, LogLevel.Trace),
        };
        logging.SetMinimumLevel(duragent);
        logging.AddFilter("Microsoft", framework);
        logging.AddFilter("System", framework);

        // A start failure (port in use, workspace locked, bad configuration) is printed once, as a clean `error:`
        // line; the host's own "Hosting failed to start" record would repeat it with a stack trace first. With -v
        // it shows. A background service that stops the host is still logged: that record is Critical.
        if (settings.Verbosity <= 0)
        {
            logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        }
    }
}
