using Duragent.Storage;

namespace Duragent.Configuration;

/// <summary>
/// Loads <c>duragent.yaml</c>: expands environment variables (see <see cref="EnvironmentExpander"/>), parses the
/// YAML, checks every value, resolves relative paths against the file's directory, and reports unknown keys as
/// warnings. A missing file gives all defaults. Any error throws one <see cref="ConfigurationException"/> listing
/// every located problem found.
/// </summary>
public static class DuragentConfigLoader
{
    private static readonly KeyValuePair<string, CompactionMode>[] CompactionValues =
    [
        new("archive", CompactionMode.Archive),
        new("discard", CompactionMode.Discard),
        new("keep", CompactionMode.Keep),
        new("disabled", CompactionMode.Keep),
    ];

    private static readonly KeyValuePair<string, SandboxMode>[] SandboxValues =
    [
        new("trust", SandboxMode.Trust),
        new("bubblewrap", SandboxMode.Bubblewrap),
        new("auto", SandboxMode.Auto),
    ];

    private static readonly KeyValuePair<string, StorageProvider>[] StorageValues = [new("file", StorageProvider.File), new("postgres", StorageProvider.Postgres)];

    private static readonly KeyValuePair<string, GatewayRestartPolicy>[] RestartValues =
    [
        new("always", GatewayRestartPolicy.Always),
        new("on_failure", GatewayRestartPolicy.OnFailure),
        new("never", GatewayRestartPolicy.Never),
    ];

    /// <summary>
    /// Loads the configuration file <paramref name="configFile"/> (relative to the current directory when not
    /// rooted). <paramref name="environment"/> looks up environment variables; the process environment by default.
    /// </summary>
    /// <exception cref="ConfigurationException">The file cannot be read or holds errors.</exception>
    public static DuragentConfigLoadResult Load(string configFile, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(configFile);
        var fullPath = Path.GetFullPath(configFile);
        if (Directory.Exists(fullPath))
        {
            throw new ConfigurationException($"The configuration path {fullPath} is a directory; expected a YAML file such as {Path.Combine(fullPath, DuragentConfig.DefaultFileName)}.");
        }

        if (!File.Exists(fullPath))
        {
            return new DuragentConfigLoadResult(DuragentConfig.CreateDefault(fullPath), []);
        }

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Cannot read the configuration file {fullPath}: {ex.Message}", ex);
        }

        return Parse(text, fullPath, environment);
    }

    /// <summary>Parses configuration <paramref name="text"/> as if read from <paramref name="configFile"/>.</summary>
    /// <exception cref="ConfigurationException">The text holds errors.</exception>
    public static DuragentConfigLoadResult Parse(string text, string configFile, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(configFile);
        var fullPath = Path.GetFullPath(configFile);
        var file = new YamlFile(fullPath);

        var expansionErrors = new List<ConfigDiagnostic>();
        var expanded = EnvironmentExpander.Expand(text, fullPath, environment ?? Environment.GetEnvironmentVariable, expansionErrors);
        expansionErrors.ForEach(file.Add);
        if (file.HasErrors)
        {
            throw new ConfigurationException(fullPath, file.Diagnostics);
        }

        var config = DuragentConfig.CreateDefault(fullPath) with { FileExists = true };
        var root = file.Parse(expanded);
        if (root is not null)
        {
            var map = YamlMap.From(file, root, string.Empty, "a mapping of settings (workspace, server, sessions, ...)");
            if (map is not null)
            {
                config = new Reader(map, config.ConfigDirectory).Read(config);
            }
        }

        if (file.HasErrors)
        {
            throw new ConfigurationException(fullPath, file.Diagnostics);
        }

        return new DuragentConfigLoadResult(config, file.Diagnostics);
    }

    private sealed class Reader(YamlMap root, string baseDirectory)
    {
        private readonly YamlFile _file = root.File;

        public DuragentConfig Read(DuragentConfig defaults)
        {
            var config = defaults with
            {
                Workspace = ResolvePath(root, "workspace"),
                AgentsDir = ResolvePath(root, "agents_dir"),
                Server = ReadServer(root.Map("server")),
                Services = ReadServices(root.Map("services")),
                WorldMemory = new WorldMemoryConfig { Path = ReadPathSection(root.Map("world_memory")) },
                Sessions = ReadSessions(root.Map("sessions")),
                Runtime = ReadRuntime(root.Map("runtime")),
                Sandbox = ReadSandbox(root.Map("sandbox")),
                Gateways = ReadGateways(root.Map("gateways")),
                Routes = ReadRoutes(root),
                Client = ReadClient(root.Map("client")),
                Schedules = ScheduleDeclarationReader.Read(root),
                Storage = ReadStorage(root.Map("storage")),
                Cluster = ReadCluster(root.Map("cluster")),
            };
            root.WarnUnknownKeys();
            CheckGatewayNames(config.Gateways);
            return config;
        }

        private string? ResolvePath(YamlMap map, string key)
        {
            var value = map.String(key);
            if (value is null)
            {
                return null;
            }

            if (value.Trim().Length == 0)
            {
                map.Error(key, "expected a directory path, found an empty text");
                return null;
            }

            try
            {
                return Path.GetFullPath(value, baseDirectory);
            }
            catch (ArgumentException ex)
            {
                map.Error(key, $"expected a valid path, found '{value}' ({ex.Message})");
                return null;
            }
        }

        private ServerConfig ReadServer(YamlMap? map)
        {
            var defaults = new ServerConfig();
            if (map is null)
            {
                return defaults;
            }

            var host = map.String("host");
            if (host is not null && host.Trim().Length == 0)
            {
                map.Error("host", "expected an IP address or host name such as 127.0.0.1, found an empty text");
                host = null;
            }

            var server = new ServerConfig
            {
                Host = host?.Trim() ?? defaults.Host,
                Port = map.Int("port", 0, 65535) ?? defaults.Port,
                RequestTimeoutSeconds = map.Int("request_timeout_seconds", 1) ?? defaults.RequestTimeoutSeconds,
                IdleTimeoutSeconds = map.Int("idle_timeout_seconds", 1) ?? defaults.IdleTimeoutSeconds,
                KeepAliveIntervalSeconds = map.Int("keep_alive_interval_seconds", 1) ?? defaults.KeepAliveIntervalSeconds,
                AdminToken = ReadToken(map, "admin_token"),
                ApiToken = ReadToken(map, "api_token"),
                MaxConnections = map.Int("max_connections", 1) ?? defaults.MaxConnections,
                MaxBodyBytes = map.Long("max_body_bytes", 1) ?? defaults.MaxBodyBytes,
                AllowUnauthenticatedRemote = map.Bool("allow_unauthenticated_remote") ?? defaults.AllowUnauthenticatedRemote,
                CorsOrigins = ReadOrigins(map),
                StreamTokenSeconds = map.Int("stream_token_seconds", 1, 3600) ?? defaults.StreamTokenSeconds,
            };
            map.WarnUnknownKeys();
            return server;
        }

        // A browser sends its origin as scheme://host[:port], lower case, no path: anything else could never match.
        private static IReadOnlyList<string> ReadOrigins(YamlMap map)
        {
            var origins = map.StringList("cors_origins");
            if (origins is null)
            {
                return [];
            }

            var valid = new List<string>(origins.Count);
            foreach (var origin in origins)
            {
                if (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                    && uri.Scheme is "http" or "https"
                    && uri.UserInfo.Length == 0
                    && origin.IndexOf('/', uri.Scheme.Length + 3) < 0
                    && origin.IndexOfAny(['?', '#', '*']) < 0)
                {
                    valid.Add(uri.GetLeftPart(UriPartial.Authority));
                }
                else
                {
                    map.Error("cors_origins", $"'{origin}' is not a web origin; expected scheme://host[:port] such as http://localhost:5173 (no path, no trailing slash, no '*')");
                }
            }

            return valid;
        }

        // An empty token (for example "${API_TOKEN:-}") means no token.
        private static string? ReadToken(YamlMap map, string key)
        {
            var token = map.String(key);
            if (string.IsNullOrEmpty(token))
            {
                return null;
            }

            if (token.Length < ServerConfig.MinimumRecommendedTokenLength)
            {
                map.Warning(key, $"the token is shorter than {ServerConfig.MinimumRecommendedTokenLength} characters; use a long random value (for example `openssl rand -hex 32`)");
            }

            return token;
        }

        private ServicesConfig ReadServices(YamlMap? map)
        {
            if (map is null)
            {
                return new ServicesConfig();
            }

            var services = new ServicesConfig { Session = new SessionServiceConfig { Path = ReadPathSection(map.Map("session")) } };
            map.WarnUnknownKeys();
            return services;
        }

        private string? ReadPathSection(YamlMap? map)
        {
            if (map is null)
            {
                return null;
            }

            var path = ResolvePath(map, "path");
            map.WarnUnknownKeys();
            return path;
        }

        private static SessionsConfig ReadSessions(YamlMap? map)
        {
            var defaults = new SessionsConfig();
            if (map is null)
            {
                return defaults;
            }

            var sessions = new SessionsConfig
            {
                TtlHours = map.Int("ttl_hours", 0) ?? defaults.TtlHours,
                Compaction = map.Enum("compaction", CompactionValues) ?? defaults.Compaction,
                SnapshotEveryEvents = map.Int("snapshot_every_events", 1) ?? defaults.SnapshotEveryEvents,
            };
            map.WarnUnknownKeys();
            return sessions;
        }

        private RuntimeConfig ReadRuntime(YamlMap? map)
        {
            if (map is null)
            {
                return new RuntimeConfig();
            }

            var runtime = new RuntimeConfig
            {
                CollectionAgeMinutes = map.Int("collection_age_minutes", 2) ?? RuntimeConfig.DefaultCollectionAgeMinutes,
                SiloPort = map.Int("silo_port", 0, 65535) ?? 0,
                GatewayPort = map.Int("gateway_port", 0, 65535) ?? 0,
                Tls = ReadTls(map.Map("tls")),
            };
            map.WarnUnknownKeys();
            return runtime;
        }

        private RuntimeTlsConfig? ReadTls(YamlMap? map)
        {
            if (map is null)
            {
                return null;
            }

            var certificate = ResolvePath(map, "certificate");
            var ca = ResolvePath(map, "ca_certificate");
            map.WarnUnknownKeys();
            if (certificate is null || ca is null)
            {
                map.Error(certificate is null ? "certificate" : "ca_certificate", "runtime.tls needs both certificate (PEM: certificate and key) and ca_certificate (PEM)");
                return null;
            }

            return new RuntimeTlsConfig(certificate, ca);
        }

        private static SandboxConfig ReadSandbox(YamlMap? map)
        {
            if (map is null)
            {
                return new SandboxConfig();
            }

            if (map.String("mode") is "docker")
            {
                map.Error("mode", "'docker' is not supported; use 'bubblewrap' (or 'auto'), and run the whole server in a container if you want one");
            }

            var sandbox = new SandboxConfig
            {
                Mode = map.String("mode") is "docker" ? SandboxConfig.DefaultMode : map.Enum("mode", SandboxValues) ?? SandboxConfig.DefaultMode,
                Network = map.Bool("network") ?? true,
                MemoryMb = map.Int("memory_mb", 0, 1024 * 1024) ?? SandboxConfig.DefaultMemoryMb,
                MaxProcesses = map.Int("max_processes", 0, 1_000_000) ?? SandboxConfig.DefaultMaxProcesses,
                Environment = map.StringList("env") ?? [],
                Writable = map.StringList("writable") ?? [],
            };
            foreach (var name in sandbox.Environment)
            {
                if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
                {
                    map.Error("env", $"'{name}' is not an environment variable name");
                }
            }

            foreach (var path in sandbox.Writable)
            {
                if (!Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
                {
                    map.Error("writable", $"'{path}' is not an absolute path");
                }
            }

            map.WarnUnknownKeys();
            return sandbox;
        }

        private static StorageConfig ReadStorage(YamlMap? map)
        {
            if (map is null)
            {
                return new StorageConfig();
            }

            var provider = map.Enum("provider", StorageValues) ?? StorageProvider.File;
            var connectionString = map.String("connection_string");
            if (provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(connectionString))
            {
                map.Missing("connection_string", "the PostgreSQL connection string, for example connection_string: ${DURAGENT_PG:-Host=127.0.0.1;Database=duragent;Username=duragent}");
            }
            else if (provider == StorageProvider.File && connectionString is not null)
            {
                map.Warning("connection_string", "is ignored with provider: file");
            }
            else if (connectionString is not null && !LooksLikeConnectionString(connectionString))
            {
                map.Error("connection_string", $"expected key=value pairs separated by ';' (Host=…;Database=…;Username=…), found '{StorageConfig.Redact(connectionString)}'");
            }

            var storage = new StorageConfig { Provider = provider, ConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString };
            map.WarnUnknownKeys();
            return storage;
        }

        private static bool LooksLikeConnectionString(string text) =>
            text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(part => part.IndexOf('=', StringComparison.Ordinal) > 0);

        private static ClusterConfig ReadCluster(YamlMap? map)
        {
            var defaults = new ClusterConfig();
            if (map is null)
            {
                return defaults;
            }

            var cluster = new ClusterConfig
            {
                ClusterId = ReadId(map, "cluster_id") ?? defaults.ClusterId,
                ServiceId = ReadId(map, "service_id") ?? defaults.ServiceId,
                SiloPort = map.Int("silo_port", 1, 65535) ?? defaults.SiloPort,
                GatewayPort = map.Int("gateway_port", 1, 65535) ?? defaults.GatewayPort,
                AdvertisedAddress = ReadAddress(map, "advertised_address") ?? defaults.AdvertisedAddress,
            };
            if (cluster.SiloPort == cluster.GatewayPort)
            {
                map.Error("gateway_port", $"must differ from cluster.silo_port ({cluster.SiloPort})");
            }

            map.WarnUnknownKeys();
            return cluster;
        }

        private static string? ReadId(YamlMap map, string key)
        {
            var id = map.String(key);
            if (id is not null && GrainKey.Check(id) is { } problem)
            {
                map.Error(key, $"'{id}' is not a valid id: {problem}");
                return null;
            }

            return id;
        }

        private static string? ReadAddress(YamlMap map, string key)
        {
            var text = map.String(key);
            if (text is null)
            {
                return null;
            }

            if (!System.Net.IPAddress.TryParse(text.Trim(), out var address) || address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any))
            {
                map.Error(key, $"expected the IP address other silos reach this one at (such as 10.0.0.5), found '{text}'");
                return null;
            }

            return address.ToString();
        }

        private static ClientConfig ReadClient(YamlMap? map)
        {
            if (map is null)
            {
                return new ClientConfig();
            }

            var client = new ClientConfig { IdleShutdownSeconds = map.Int("idle_shutdown_seconds", 0) ?? ClientConfig.DefaultIdleShutdownSeconds };
            map.WarnUnknownKeys();
            return client;
        }

        private GatewaysConfig ReadGateways(YamlMap? map)
        {
            if (map is null)
            {
                return new GatewaysConfig();
            }

            var gateways = new GatewaysConfig
            {
                Telegram = ReadBuiltInGateway(map, "telegram", "TELEGRAM_BOT_TOKEN"),
                Discord = ReadBuiltInGateway(map, "discord", "DISCORD_BOT_TOKEN"),
                External = ReadExternalGateways(map),
            };
            map.WarnUnknownKeys();
            return gateways;
        }

        private static BuiltInGatewayConfig? ReadBuiltInGateway(YamlMap parent, string key, string tokenVariable)
        {
            var map = parent.Map(key, "a mapping with enabled and bot_token");
            if (map is null)
            {
                return null;
            }

            var gateway = new BuiltInGatewayConfig
            {
                Enabled = map.Bool("enabled") ?? true,
                BotToken = map.String("bot_token") is { Length: > 0 } token ? token : null,
            };
            if (gateway.Enabled && gateway.BotToken is null)
            {
                map.Missing("bot_token", $"the bot token, for example bot_token: ${{{tokenVariable}}} (or enabled: false)");
            }

            map.WarnUnknownKeys();
            return gateway;
        }

        private List<ExternalGatewayConfig> ReadExternalGateways(YamlMap parent)
        {
            var result = new List<ExternalGatewayConfig>();
            var items = parent.List("external", "a list of gateway plugins ({name, command, args, env, restart})");
            if (items is null)
            {
                return result;
            }

            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < items.Count; i++)
            {
                var map = YamlMap.From(_file, items[i], $"gateways.external[{i}]", "a mapping with name and command");
                if (map is null)
                {
                    continue;
                }

                var name = map.RequiredString("name", "the gateway's name, used by routes[].match.gateway");
                if (name is not null && GrainKey.Check(name) is { } problem)
                {
                    map.Error("name", $"'{name}' is not a valid gateway name: {problem}");
                    name = null;
                }
                else if (name is not null && !names.Add(name))
                {
                    map.Error("name", $"a gateway named '{name}' is already defined; expected unique names");
                    name = null;
                }

                var command = map.RequiredString("command", "the plugin executable, a name on PATH or a path such as ./plugins/my-gateway");
                var gateway = new ExternalGatewayConfig
                {
                    Name = name ?? string.Empty,
                    Command = command is null ? string.Empty : ResolveCommand(command),
                    Args = map.StringList("args") ?? [],
                    Env = map.StringMap("env") ?? new Dictionary<string, string>(),
                    Restart = map.Enum("restart", RestartValues) ?? ExternalGatewayConfig.DefaultRestart,
                };
                map.WarnUnknownKeys();
                if (name is not null && command is not null)
                {
                    result.Add(gateway);
                }
            }

            return result;
        }

        // A command written as a path resolves against the config directory; a bare name is looked up on PATH.
        private string ResolveCommand(string command) =>
            command.Contains('/', StringComparison.Ordinal) || command.Contains('\\', StringComparison.Ordinal)
                ? Path.GetFullPath(command, baseDirectory)
                : command;

        private void CheckGatewayNames(GatewaysConfig gateways)
        {
            foreach (var external in gateways.External)
            {
                if ((external.Name.Equals("telegram", StringComparison.OrdinalIgnoreCase) && gateways.Telegram is { Enabled: true })
                    || (external.Name.Equals("discord", StringComparison.OrdinalIgnoreCase) && gateways.Discord is { Enabled: true }))
                {
                    _file.Error(root.ValueMark("gateways"), $"gateways.external: the name '{external.Name}' is taken by the built-in gateway; expected another name");
                }
            }
        }

        private List<RouteConfig> ReadRoutes(YamlMap parent)
        {
            var result = new List<RouteConfig>();
            var items = parent.List("routes", "a list of routes ({match: {...}, agent})");
            if (items is null)
            {
                return result;
            }

            for (var i = 0; i < items.Count; i++)
            {
                var map = YamlMap.From(_file, items[i], $"routes[{i}]", "a mapping with match and agent");
                if (map is null)
                {
                    continue;
                }

                var match = new RouteMatch();
                var matchMap = map.Map("match", "a mapping with gateway, chat_type, chat_id and/or sender_id");
                if (matchMap is not null)
                {
                    match = new RouteMatch
                    {
                        Gateway = matchMap.String("gateway"),
                        ChatType = matchMap.String("chat_type"),
                        ChatId = matchMap.String("chat_id"),
                        SenderId = matchMap.String("sender_id"),
                    };
                    matchMap.WarnUnknownKeys();
                }

                var agent = map.RequiredString("agent", "the name of the agent that answers");
                if (agent is not null && GrainKey.Check(agent) is { } problem)
                {
                    map.Error("agent", $"'{agent}' is not a valid agent name: {problem}");
                    agent = null;
                }

                map.WarnUnknownKeys();
                if (agent is not null)
                {
                    result.Add(new RouteConfig { Match = match, Agent = agent });
                }
            }

            return result;
        }
    }
}