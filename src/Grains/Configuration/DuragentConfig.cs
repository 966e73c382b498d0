namespace Duragent.Configuration;

/// <summary>
/// The workspace configuration, <c>duragent.yaml</c>. Paths are full paths, already resolved against the
/// directory of <see cref="ConfigFile"/>; null paths take their defaults in <see cref="DuragentWorkspace"/>.
/// Load it with <see cref="DuragentConfigLoader"/>; <see cref="ToString"/> redacts every token.
/// </summary>
public sealed record DuragentConfig
{
    /// <summary>The file name looked for by default: <c>duragent.yaml</c>.</summary>
    public const string DefaultFileName = "duragent.yaml";

    /// <summary>The full path of the configuration file (which need not exist).</summary>
    public required string ConfigFile { get; init; }

    /// <summary>True when <see cref="ConfigFile"/> existed when the configuration was loaded.</summary>
    public bool FileExists { get; init; }

    /// <summary>The directory relative paths are resolved against.</summary>
    public string ConfigDirectory => Path.GetDirectoryName(ConfigFile) ?? Path.GetPathRoot(ConfigFile) ?? ConfigFile;

    /// <summary><c>workspace</c>: the state directory; <c>&lt;config dir&gt;/.duragent</c> when null.</summary>
    public string? Workspace { get; init; }

    /// <summary><c>agents_dir</c>: where agents live; <c>{workspace}/agents</c> when null.</summary>
    public string? AgentsDir { get; init; }

    /// <summary><c>server</c>.</summary>
    public ServerConfig Server { get; init; } = new();

    /// <summary><c>services</c>.</summary>
    public ServicesConfig Services { get; init; } = new();

    /// <summary><c>world_memory</c>.</summary>
    public WorldMemoryConfig WorldMemory { get; init; } = new();

    /// <summary><c>sessions</c>.</summary>
    public SessionsConfig Sessions { get; init; } = new();

    /// <summary><c>runtime</c>.</summary>
    public RuntimeConfig Runtime { get; init; } = new();

    /// <summary><c>sandbox</c>.</summary>
    public SandboxConfig Sandbox { get; init; } = new();

    /// <summary><c>gateways</c>.</summary>
    public GatewaysConfig Gateways { get; init; } = new();

    /// <summary><c>routes</c>: gateway message routing, first match wins.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    /// <summary><c>schedules</c>: static schedules, reconciled at start (see docs/schedules.md).</summary>
    public IReadOnlyList<Duragent.Schedules.DeclaredSchedule> Schedules { get; init; } = [];

    /// <summary><c>storage</c>: file (default) or postgres.</summary>
    public StorageConfig Storage { get; init; } = new();

    /// <summary><c>cluster</c>: the Orleans cluster of a PostgreSQL deployment (ignored with file storage).</summary>
    public ClusterConfig Cluster { get; init; } = new();

    /// <summary><c>client</c>.</summary>
    public ClientConfig Client { get; init; } = new();

    /// <summary>The configuration used when <paramref name="configFile"/> does not exist: every default.</summary>
    public static DuragentConfig CreateDefault(string configFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(configFile);
        return new DuragentConfig { ConfigFile = Path.GetFullPath(configFile) };
    }
}
