using System.CommandLine;
using Duragent.Cli.Client;
using Duragent.Cli.Launcher;
using Duragent.Cli.Output;
using Duragent.Configuration;

namespace Duragent.Cli;

/// <summary>
/// What one command invocation works with: the console, the verbosity, the configuration (loaded on first use),
/// the workspace, and a connection to a server (<c>--server</c>, <c>$DURAGENT_SERVER</c>, or the workspace's
/// local server, started on demand).
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
        ServerUrl = parseResult.GetValue(globals.Server) ?? ServerFromEnvironment();
    }

    public CliConsole Console { get; }

    /// <summary>-1 quiet, 0 normal, 1 debug, 2+ trace.</summary>
    public int Verbosity { get; }

    /// <summary>The full path of the configuration file (<c>-c</c>; <c>./duragent.yaml</c> by default).</summary>
    public string ConfigPath { get; }

    /// <summary>The explicit server (<c>--server</c> or <c>$DURAGENT_SERVER</c>); null lets the CLI find or start the local one.</summary>
    public Uri? ServerUrl { get; }

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

    public ClientCredentials Credentials => ClientCredentials.Resolve(Config);

    /// <summary>
    /// A client of the server to use: <see cref="ServerUrl"/> as given (no health check, no start), or the
    /// workspace's local server, started in the background when nothing answers on its port.
    /// </summary>
    public async Task<ServerConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (ServerUrl is { } url)
        {
            return new ServerConnection(new DuragentClient(url, Credentials), null);
        }

        var launcher = new ServerLauncher(RequireWorkspace(), Credentials, Verbosity >= 0 ? Console.Error.WriteLine : null);
        await launcher.EnsureServerAsync(cancellationToken);
        return new ServerConnection(new DuragentClient(launcher.BaseUrl, Credentials), launcher);
    }

    /// <summary>A client of <see cref="LocalServerUrl"/>, without starting anything.</summary>
    public DuragentClient CreateLocalClient(int? port = null) => new(LocalServerUrl(port), Credentials);

    /// <summary><see cref="ServerUrl"/>, or <c>http://127.0.0.1:&lt;port&gt;</c> (<paramref name="port"/> or <c>server.port</c>).</summary>
    public Uri LocalServerUrl(int? port = null) =>
        ServerUrl ?? new Uri($"http://127.0.0.1:{(port ?? Config.Server.Port).ToString(System.Globalization.CultureInfo.InvariantCulture)}/");

    private static Uri? ServerFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(GlobalOptions.ServerVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"${GlobalOptions.ServerVariable} must be an absolute http:// or https:// URL, not '{text}'.", ExitCodes.Usage);
    }
}
