using System.CommandLine;
using Duragent.Cli.Client;
using Duragent.Cli.Launcher;
using Duragent.Cli.Output;
using Duragent.Configuration;
using Duragent.Node;

namespace Duragent.Cli;

/// <summary>
/// What one command invocation works with: the console, the verbosity, the configuration (loaded on first use),
/// the workspace, and a connection to a server as an Orleans client (<c>--gateway</c>, <c>$DURAGENT_GATEWAY</c>, or the
/// workspace's local server, started on demand).
/// </summary>
internal sealed class CliContext
{
    private readonly ParseResult _parseResult;
    private DuragentConfigLoadResult? _config;
    private DuragentWorkspace? _workspace;

    public CliContext(ParseResult parseResult, GlobalOptions globals, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(globals);
        _parseResult = parseResult;
        Console = console;
        Verbosity = globals.GetVerbosity(parseResult);
        ConfigPath = Path.GetFullPath(parseResult.GetValue(globals.Config) ?? DuragentConfig.DefaultFileName);
        Gateway = parseResult.GetValue(globals.Gateway) ?? GatewayFromEnvironment();
    }

    public CliConsole Console { get; }

    /// <summary>-1 quiet, 0 normal, 1 debug, 2+ trace.</summary>
    public int Verbosity { get; }

    /// <summary>The full path of the configuration file (<c>-c</c>; <c>./duragent.yaml</c> by default).</summary>
    public string ConfigPath { get; }

    /// <summary>The explicit silo gateway (<c>--gateway</c> or <c>$DURAGENT_GATEWAY</c>); null lets the CLI find or start the local server.</summary>
    public GatewayAddress? Gateway { get; }

    /// <summary>The whole command tree (for completion scripts).</summary>
    public RootCommand RootCommand => (RootCommand)_parseResult.RootCommandResult.Command;

    public T? GetValue<T>(Option<T> option) => _parseResult.GetValue(option);

    public T? GetValue<T>(Argument<T> argument) => _parseResult.GetValue(argument);

    /// <summary>Print the configuration's warnings (unknown keys, …) at the default verbosity too (<c>serve</c>).</summary>
    public bool ShowConfigWarnings { get; set; }

    /// <summary>The configuration; a broken file throws <see cref="ConfigurationException"/> (printed as an error).</summary>
    public DuragentConfigLoadResult LoadConfig()
    {
        if (_config is null)
        {
            _config = DuragentConfigLoader.Load(ConfigPath);
            if (Verbosity > 0 || (ShowConfigWarnings && Verbosity == 0))
            {
                foreach (var warning in _config.Warnings)
                {
                    Console.WriteWarning(warning.ToString());
                }
            }
        }

        return _config;
    }

    public DuragentConfig Config => LoadConfig().Config;

    public DuragentWorkspace Workspace => _workspace ??= new DuragentWorkspace(Config);

    /// <summary>The workspace, or an error telling to run <c>duragent init</c> when there is none here.</summary>
    public DuragentWorkspace RequireWorkspace()
    {
        var workspace = Workspace;
        if (!workspace.IsInitialized)
        {
            throw new CliException(
                $"No duragent workspace found: neither {workspace.ConfigFile} nor {workspace.Directory} exists. " +
                "Run `duragent init` to create one, or pass -c path/to/duragent.yaml.");
        }

        return workspace;
    }

    /// <summary>
    /// A connection to the server to use: <see cref="Gateway"/> as given (never started), or the workspace's local
    /// server, started in the background when none runs.
    /// </summary>
    public async Task<ServerConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = Gateway is { } gateway
            ? await ServerConnection.OpenAsync(await gateway.ResolveAsync(cancellationToken), DuragentClient.CredentialsOf(Workspace), cancellationToken)
            : Config.Storage.Provider == Configuration.StorageProvider.Postgres
                ? await ServerConnection.OpenClusterAsync(Config, cancellationToken)
                : await ServerConnection.OpenManagedAsync(new ServerLauncher(RequireWorkspace(), Verbosity >= 0 ? Console.Error.WriteLine : null), cancellationToken);
        if (Verbosity > 0)
        {
            var client = connection.Client;
            Console.Error.WriteLine($"debug: connected to the silo {client.SiloAddress} through its gateway {client.Gateway} in {client.ConnectTime.TotalMilliseconds:0} ms");
        }

        return connection;
    }

    /// <summary>
    /// A client of a running server without starting one: <see cref="Gateway"/>, or the one the workspace's node file
    /// names. Null when no server of this workspace runs.
    /// </summary>
    public async Task<DuragentClient?> ConnectRunningAsync(CancellationToken cancellationToken)
    {
        if (Gateway is { } gateway)
        {
            return await DuragentClient.ConnectAsync(await gateway.ResolveAsync(cancellationToken), null, DuragentClient.CredentialsOf(Workspace), cancellationToken);
        }

        if (Config.Storage.Provider == Configuration.StorageProvider.Postgres)
        {
            try
            {
                return await DuragentClient.ConnectToClusterAsync(Config, cancellationToken);
            }
            catch (ServerUnavailableException)
            {
                return null;
            }
        }

        if (NodeEndpoint.TryRead(Workspace.NodeFile) is not { } node || node.GatewayEndPoint is not { } endpoint || !node.ProcessExists())
        {
            return null;
        }

        try
        {
            return await DuragentClient.ConnectAsync(endpoint, node.Silo, DuragentClient.CredentialsOf(Workspace), cancellationToken);
        }
        catch (ServerUnavailableException)
        {
            return null;
        }
    }

    private static GatewayAddress? GatewayFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(GlobalOptions.GatewayVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return GatewayAddress.TryParse(text, out var error)
            ?? throw new CliException($"${GlobalOptions.GatewayVariable}: {error}.", ExitCodes.Usage);
    }
}
