using System.Net;
using System.Net.Sockets;
using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Llm;
using Duragent.Node;
using Duragent.Security;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Tools.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Duragent.Hosting;

/// <summary>
/// The composition of one Duragent silo on the embedded default: an Orleans silo with localhost clustering bound to
/// 127.0.0.1, the file storage provider (grain state, event logs, reminders) under the workspace's
/// <c>.duragent/</c> directory, the agent catalog, the LLM clients and the session services, all set from
/// <c>duragent.yaml</c>. The HTTP gateway and the CLI's <c>serve</c> add themselves on top.
/// </summary>
public static class DuragentNodeExtensions
{
    /// <summary>The Orleans cluster and service id of a single-silo workspace.</summary>
    public const string ClusterId = "duragent";

    /// <summary>Adds the silo (<c>UseOrleans</c>) and everything it needs for <paramref name="workspace"/>.</summary>
    public static IHostApplicationBuilder AddDuragentNode(this IHostApplicationBuilder builder, DuragentWorkspace workspace, Action<DuragentNodeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(workspace);
        var node = new DuragentNodeOptions();
        configure?.Invoke(node);
        var config = workspace.Config;
        var sessionsFolder = RelativeFolder(workspace.Directory, workspace.SessionsDirectory, "services.session.path");
        var schedulesFolder = RelativeFolder(workspace.Directory, workspace.SchedulesDirectory, "services.session.path");

        builder.UseOrleans(silo =>
        {
            if (config.Storage.Provider == StorageProvider.Postgres)
            {
                // A method of its own: a file workspace never loads Npgsql.
                PostgresNode.Configure(silo, config, node);
                return;
            }

            var siloPort = config.Runtime.SiloPort == 0 ? FreeLoopbackPort() : config.Runtime.SiloPort;
            var gatewayPort = config.Runtime.GatewayPort == 0 ? FreeLoopbackPort() : config.Runtime.GatewayPort;
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ClusterId, clusterId: ClusterId);
            // Mutual TLS on both Orleans ports, loopback too: only a peer holding a certificate of the workspace's CA
            // (the CLI of someone who can read the runtime folder, or a silo of the cluster) gets a connection.
            var tls = WorkspaceCertificates.ForServer(workspace);
            silo.UseTls(tls.Certificate, o => UseMutualTls(o, tls));
            silo.Configure<EndpointOptions>(o =>
            {
                // Loopback only: nothing beyond this host needs the ports of a one-silo workspace.
                o.AdvertisedIPAddress = IPAddress.Loopback;
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, siloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Loopback, gatewayPort);
            });
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(config.Runtime.CollectionAgeMinutes));
            silo.AddFileStorage(o =>
            {
                o.RootDirectory = workspace.Directory;
                o.TypeFolders[SessionGrain.GrainTypeName] = sessionsFolder;
                o.TypeFolders[ScheduleGrain.GrainTypeName] = schedulesFolder;
                node.ConfigureStorage?.Invoke(o);
            });
            node.ConfigureSilo?.Invoke(silo);
        });
        QuietOrleansLogs(builder.Logging);

        builder.Services.AddDuragentDomain(workspace, node);
        builder.Services.AddHostedService<NodeEndpointFile>();
        return builder;
    }

    /// <summary>
    /// The services the grains use, without the silo or storage: the agent catalog, LLM clients, tools and the session
    /// services. Test clusters add them to each silo.
    /// </summary>
    public static IServiceCollection AddDuragentDomain(this IServiceCollection services, DuragentWorkspace workspace, DuragentNodeOptions? node = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(workspace);
        var config = workspace.Config;
        services.AddDuragentAgents(workspace);
        services.AddFileMemoryStore(workspace.AgentsDirectory, workspace.WorldMemoryDirectory);
        services.AddDuragentSandbox(workspace);
        services.AddDuragentLlm(node?.ConfigureLlm);
        services.AddDuragentSessions(o =>
        {
            o.SnapshotEveryEvents = config.Sessions.SnapshotEveryEvents;
            o.Compaction = config.Sessions.Compaction;
            o.Ttl = TimeSpan.FromHours(config.Sessions.TtlHours);
            o.WorkspacePolicyFile = workspace.PolicyFile;
            node?.ConfigureSessions?.Invoke(o);
        });
        services.AddDuragentSchedules(node?.ConfigureSchedules, config.Schedules);
        services.TryAddSingleton<INodeLifetime, HostNodeLifetime>();
        services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        return services;
    }

    /// <summary>
    /// Both directions of a mutual TLS connection: this end presents <see cref="TlsCredentials.Certificate"/>, and the
    /// other end must present one that chains to <see cref="TlsCredentials.Authority"/> (the system store is not
    /// consulted; host names are not checked: the CA is private to the workspace). The silo and the CLI use it alike.
    /// </summary>
    public static void UseMutualTls(Orleans.Connections.Security.TlsOptions options, TlsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        options.LocalCertificate = credentials.Certificate;
        options.RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
        options.SslProtocols = System.Security.Authentication.SslProtocols.Tls13;
        options.RemoteCertificateValidation = (certificate, _, _) => credentials.Accepts(certificate);
        options.HandshakeTimeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>Orleans logs a few hundred lines at start at Information; Duragent shows its warnings and errors only.</summary>
    public static ILoggingBuilder QuietOrleansLogs(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddFilter("Orleans", LogLevel.Warning);
        logging.AddFilter("Microsoft.Orleans", LogLevel.Warning);

        // At start: "not running with ServerGC" (Duragent uses workstation GC on purpose: a small footprint) and a
        // watchdog note about the time before its first check. Neither is a problem; real errors still show.
        logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        return logging;
    }

    // A free port on 127.0.0.1, found by binding port 0. Another process could take it before the silo binds it; the
    // start then fails with a clear "address in use" error and the next start picks another.
    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string RelativeFolder(string root, string folder, string setting)
    {
        var relative = Path.GetRelativePath(root, folder);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new ConfigurationException(
                $"{setting} must be a folder inside the workspace directory {root} (the file storage keeps everything under it), not {folder}.");
        }

        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}

/// <summary>Adjustments of a node beyond <c>duragent.yaml</c> (tests, benchmarks, command-line flags).</summary>
public sealed class DuragentNodeOptions
{
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    public Action<Duragent.Storage.File.FileStorageOptions>? ConfigureStorage { get; set; }

    public Action<LlmOptions>? ConfigureLlm { get; set; }

    public Action<SessionOptions>? ConfigureSessions { get; set; }

    public Action<ScheduleOptions>? ConfigureSchedules { get; set; }
}
