using System.Net;
using Duragent.Configuration;
using Duragent.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// The hosting entry of a Duragent server: one process with the silo (<c>AddDuragentNode</c>) and the HTTP gateway on
/// Kestrel. <c>duragent serve</c> and the tests build it the same way:
/// <code>
/// var app = DuragentServer.Build(workspace, new ServeOverrides { Host = "127.0.0.1", Port = 0 });
/// await app.StartAsync();                 // or app.RunAsync(): Ctrl-C, SIGTERM and the admin endpoint stop it
/// var address = app.GetListenAddresses()[0];
/// </code>
/// Start-up does no work per session (nothing is scanned); sessions load on first use.
/// </summary>
public static class DuragentServer
{
    /// <summary>
    /// How long a graceful stop may take in all: 90 seconds (the Orleans silo stops taking calls, then deactivates every
    /// activation, each stopping its running work and flushing its snapshot).
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A builder with the silo and the gateway registered and Kestrel bound to the effective <c>server.host</c> and
    /// <c>server.port</c>. Callers may adjust logging or services before <c>Build()</c>, then call
    /// <see cref="DuragentGatewayExtensions.MapDuragentGateway"/>; <see cref="Build"/> does all of it.
    /// </summary>
    /// <exception cref="ConfigurationException">The host is not an address, or binding it would expose the API
    /// without a token (<see cref="ServerConfig.GetExposureProblem"/>; the message says how to fix it).</exception>
    public static WebApplicationBuilder CreateBuilder(DuragentWorkspace workspace, ServeOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        overrides ??= new ServeOverrides();
        var server = overrides.Apply(workspace.Config.Server);
        if (server.GetExposureProblem() is { } exposure)
        {
            throw new ConfigurationException(exposure);
        }

        if (server.Port is < 0 or > 65535)
        {
            throw new ConfigurationException($"server.port is {server.Port}; expected a whole number from 0 to 65535.");
        }

        var endpoint = ResolveBinding(server.Host);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "duragent",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = server.MaxConnections;
            kestrel.Limits.MaxRequestBodySize = server.MaxBodyBytes;
            Listen(kestrel, endpoint, server.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.AddDuragentNode(workspace, overrides.ConfigureNode);
        builder.Services.AddDuragentGateway(server, overrides.ConfigureGateway);
        overrides.ConfigureServices?.Invoke(builder.Services);
        return builder;
    }

    /// <summary><see cref="CreateBuilder"/>, built, with the gateway's middleware and endpoints mapped. Not started.</summary>
    /// <exception cref="ConfigurationException">See <see cref="CreateBuilder"/>.</exception>
    public static WebApplication Build(DuragentWorkspace workspace, ServeOverrides? overrides = null)
    {
        var app = CreateBuilder(workspace, overrides).Build();
        app.MapDuragentGateway();
        return app;
    }

    /// <summary>The addresses Kestrel listens on once started (the real port when 0 was asked for), e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public static IReadOnlyList<Uri> GetListenAddresses(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<GatewayLifetime>().HttpAddresses;
    }

    /// <summary>Logs the listening addresses once the host started.</summary>
    internal static void LogListening(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Duragent.Gateway.Http");
        var workspace = app.Services.GetRequiredService<DuragentWorkspace>();
        app.Lifetime.ApplicationStarted.Register(() =>
            GatewayLog.LogInformationListening(logger, string.Join(", ", app.GetListenAddresses()), workspace.Hash));
    }

    // null means "localhost": both loopback families.
    private static IPAddress? ResolveBinding(string host)
    {
        var trimmed = host.Trim().Trim('[', ']');
        if (string.Equals(trimmed, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (IPAddress.TryParse(trimmed, out var address))
        {
            // ::ffff:127.0.0.1 names the IPv4 address: an IPv6 socket cannot bind it ("Invalid argument").
            return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        }

        throw new ConfigurationException($"server.host is '{host}'; expected an IP address (127.0.0.1, 0.0.0.0, ::, …) or 'localhost'.");
    }

    private static void Listen(KestrelServerOptions kestrel, IPAddress? address, int port)
    {
        if (address is not null)
        {
            kestrel.Listen(address, port);
        }
        else if (port == 0)
        {
            // Kestrel cannot pick one free port for both loopback families.
            kestrel.Listen(IPAddress.Loopback, 0);
        }
        else
        {
            kestrel.ListenLocalhost(port);
        }
    }
}
