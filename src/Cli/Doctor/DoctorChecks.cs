using Duragent.Agents;
using Duragent.Cli.Client;
using Duragent.Configuration;
using Duragent.Llm;

namespace Duragent.Cli.Doctor;

/// <summary>
/// The checks of <c>duragent doctor</c>: configuration, workspace, agents (with their errors and warnings), provider
/// credentials (presence only; values are never printed), model endpoints (reachability, unless offline), gateways,
/// the server (reachability, workspace hash) and security (exposed binds without tokens, short tokens).
/// </summary>
internal static class DoctorChecks
{
    private static readonly TimeSpan ServerProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Runs every check; <paramref name="probe"/> null (<c>--offline</c>) skips the model endpoints.</summary>
    public static async Task<DoctorReport> RunAsync(CliContext context, Func<string, string?>? environment, EndpointProbe? probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        environment ??= Environment.GetEnvironmentVariable;
        var report = new DoctorReport();
        var configuration = report.Section("Configuration");
        DuragentConfigLoadResult loaded;
        try
        {
            loaded = context.LoadConfig();
        }
        catch (ConfigurationException ex)
        {
            configuration.Error(ex.Message);
            return report;
        }

        var config = loaded.Config;
        var workspace = new DuragentWorkspace(config);
        if (config.FileExists)
        {
            configuration.Ok($"Config file: {config.ConfigFile}");
        }
        else if (workspace.IsInitialized)
        {
            configuration.Warn($"No config file at {config.ConfigFile}; every setting takes its default.");
        }
        else
        {
            configuration.Error($"No workspace here: neither {config.ConfigFile} nor {workspace.Directory} exists. Run `duragent init`.");
        }

        foreach (var warning in loaded.Warnings)
        {
            configuration.Warn(warning.ToString());
        }

        if (Directory.Exists(workspace.Directory))
        {
            configuration.Ok($"Workspace: {workspace.Directory}");
        }
        else
        {
            configuration.Warn($"Workspace directory {workspace.Directory} does not exist yet (the server creates it).");
        }

        var agentsSection = report.Section("Agents");
        IReadOnlyList<AgentLoadResult> agents = [];
        if (!Directory.Exists(workspace.AgentsDirectory))
        {
            agentsSection.Error($"Agents directory {workspace.AgentsDirectory} does not exist. Create an agent with `duragent agent create NAME`.");
        }
        else
        {
            agents = await new FileAgentCatalog(workspace.AgentsDirectory).ListAsync(cancellationToken);
            if (agents.Count == 0)
            {
                agentsSection.Warn($"No agents in {workspace.AgentsDirectory}. Create one with `duragent agent create NAME`.");
            }

            foreach (var agent in agents)
            {
                if (agent.Definition is { } definition)
                {
                    agentsSection.Ok($"{agent.Name}: {ModelProviders.ToName(definition.Model.Provider)}/{definition.Model.Name}");
                }
                else
                {
                    agentsSection.Error($"{agent.Name}: invalid\n" + string.Join('\n', agent.Errors.Select(e => e.ToString())));
                }

                foreach (var warning in agent.Warnings)
                {
                    agentsSection.Warn($"{agent.Name}: {warning}");
                }
            }
        }

        CheckCredentials(report.Section("Providers"), agents, environment);
        var models = report.Section("Models");
        if (probe is not null)
        {
            await CheckModelEndpointsAsync(models, agents, probe, cancellationToken);
        }

        CheckGateways(report.Section("Gateways"), config, environment);
        if (config.Storage.Provider == StorageProvider.Postgres)
        {
            await CheckPostgresAsync(report.Section("Database"), config, cancellationToken);
        }

        await CheckServerAsync(report.Section("Server"), context, workspace, cancellationToken);
        CheckSecurity(report.Section("Security"), config.Server);
        return report;
    }

    private static void CheckCredentials(DoctorSection section, IReadOnlyList<AgentLoadResult> agents, Func<string, string?> environment)
    {
        var byVariable = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (agent.Definition is not { } definition)
            {
                continue;
            }

            var model = definition.Model;
            if (model.EffectiveApiKeyVariable is { } variable)
            {
                if (!byVariable.TryGetValue(variable, out var users))
                {
                    byVariable[variable] = users = [];
                }

                users.Add(agent.Name);
            }
            else
            {
                section.Ok($"{agent.Name}: {ModelProviders.ToName(model.Provider)} needs no API key{(model.BaseUrl is null ? string.Empty : $" ({model.BaseUrl})")}");
            }
        }

        foreach (var (variable, users) in byVariable)
        {
            if (string.IsNullOrEmpty(environment(variable)))
            {
                section.Error($"{variable} is not set (needed by {string.Join(", ", users)}).");
            }
            else
            {
                section.Ok($"{variable} is set (used by {string.Join(", ", users)}).");
            }
        }
    }

    private static async Task CheckModelEndpointsAsync(DoctorSection section, IReadOnlyList<AgentLoadResult> agents, EndpointProbe probe, CancellationToken cancellationToken)
    {
        var targets = new List<(string Agent, string Provider, Uri Url)>();
        foreach (var agent in agents)
        {
            if (agent.Definition is not { } definition)
            {
                continue;
            }

            var provider = ModelProviders.ToName(definition.Model.Provider);
            var configured = definition.Model.BaseUrl ?? LlmProviders.DefaultBaseUrl(provider);
            if (configured is null)
            {
                section.Error($"{agent.Name}: {provider} needs spec.model.base_url.");
            }
            else if (!Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                section.Error($"{agent.Name}: spec.model.base_url '{configured}' is not an absolute http(s) URL.");
            }
            else
            {
                targets.Add((agent.Name, provider, url));
            }
        }

        // One probe per URL, all at once: a workspace of agents on one endpoint costs one short request.
        var probes = targets.Select(t => t.Url).Distinct().ToDictionary(url => url, url => probe.ProbeAsync(url, cancellationToken));
        await Task.WhenAll(probes.Values);
        foreach (var (agent, provider, url) in targets)
        {
            var result = await probes[url];
            if (result.Reachable)
            {
                section.Ok($"{agent}: {provider} at {url} is reachable (HTTP {result.StatusCode}).");
            }
            else
            {
                section.Error($"{agent}: {provider} at {url} is unreachable: {result.Failure}.");
            }
        }
    }

    private static void CheckGateways(DoctorSection section, DuragentConfig config, Func<string, string?> environment)
    {
        foreach (var (name, gateway) in new[] { ("telegram", config.Gateways.Telegram), ("discord", config.Gateways.Discord) })
        {
            if (gateway is { Enabled: true })
            {
                if (string.IsNullOrEmpty(gateway.BotToken))
                {
                    section.Error($"{name}: enabled but gateways.{name}.bot_token is empty.");
                }
                else
                {
                    section.Ok($"{name}: bot token set.");
                }
            }
        }

        foreach (var external in config.Gateways.External)
        {
            var found = FindCommand(external.Command, config.ConfigDirectory, environment("PATH"));
            if (found is null)
            {
                section.Error($"{external.Name}: command '{external.Command}' not found (relative paths resolve against {config.ConfigDirectory}, names against PATH).");
            }
            else
            {
                section.Ok($"{external.Name}: {found}");
            }
        }
    }

    private static async Task CheckServerAsync(DoctorSection section, CliContext context, DuragentWorkspace workspace, CancellationToken cancellationToken)
    {
        var target = context.Gateway?.ToString() ?? "this workspace's server";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ServerProbeTimeout);
            await using var client = await context.ConnectRunningAsync(timeout.Token);
            if (client is null)
            {
                if (context.Gateway is null)
                {
                    section.Warn($"No server runs for this workspace ({workspace.NodeFile} names none that lives); client commands start one when needed.");
                }
                else
                {
                    section.Error($"No server answers at {target}.");
                }

                return;
            }

            var status = await client.GetStatusAsync(timeout.Token);
            var endpoints = $"gateway {status.Gateway}, HTTP {(status.HttpAddresses.Count == 0 ? "none" : string.Join(", ", status.HttpAddresses))}";
            if (string.Equals(status.WorkspaceHash, workspace.Hash, StringComparison.OrdinalIgnoreCase))
            {
                section.Ok($"Server pid {status.Pid} (version {status.Version}; {endpoints}) serves this workspace{(status.Stopping ? ", and is stopping" : string.Empty)}.");
            }
            else
            {
                section.Warn($"The server at {client.Gateway} serves another workspace ({status.WorkspaceDirectory}).");
            }
        }
        catch (Exception ex) when (ex is ServerUnavailableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            section.Error($"No server answers at {target}: {ex.Message}");
        }
    }

    private static void CheckSecurity(DoctorSection section, ServerConfig server)
    {
        if (server.IsLoopback)
        {
            section.Ok($"server.host {server.Host} is loopback: only this machine can connect, and only with the credentials in .duragent/run (API token, client certificate).");
        }
        else if (server.GetExposureProblem() is { } problem)
        {
            section.Error(problem);
        }
        else if (string.IsNullOrEmpty(server.ApiToken))
        {
            section.Warn($"server.host {server.Host} is reachable from other machines and server.api_token is not set (allow_unauthenticated_remote is on).");
        }
        else
        {
            section.Ok($"server.host {server.Host} is reachable from other machines; the API needs a bearer token.");
        }

        foreach (var (name, token) in new[] { ("server.api_token", server.ApiToken), ("server.admin_token", server.AdminToken) })
        {
            if (token is not null && token.Length < ServerConfig.MinimumRecommendedTokenLength)
            {
                section.Warn($"{name} is shorter than {ServerConfig.MinimumRecommendedTokenLength} characters; use a long random value.");
            }
        }

        if (!server.IsLoopback && string.IsNullOrEmpty(server.AdminToken))
        {
            section.Ok("server.admin_token is not set: the admin API answers loopback callers only.");
        }
    }

    private static string? FindCommand(string command, string baseDirectory, string? path)
    {
        if (command.Contains('/', StringComparison.Ordinal) || command.Contains('\\', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(command, baseDirectory);
            return File.Exists(full) ? full : null;
        }

        foreach (var directory in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // A method of its own: a file workspace never loads Npgsql.
    private static async Task CheckPostgresAsync(DoctorSection section, DuragentConfig config, CancellationToken cancellationToken)
    {
        var options = new Duragent.Storage.Postgres.PostgresStorageOptions { ConnectionString = config.Storage.ConnectionString ?? string.Empty };
        if (options.Validate() is { Count: > 0 } problems)
        {
            problems.ToList().ForEach(section.Error);
            return;
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.EffectiveConnectionString()) { Timeout = 5 };
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(builder.ConnectionString);
        var where = Duragent.Storage.Postgres.PostgresSchema.Describe(dataSource);
        int version;
        try
        {
            version = await Duragent.Storage.Postgres.PostgresSchema.GetVersionAsync(dataSource, cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            section.Error($"Cannot connect to PostgreSQL {where}: {ex.Message}");
            return;
        }

        section.Ok($"PostgreSQL {where} answers.");
        var required = Duragent.Storage.Postgres.PostgresSchema.RequiredVersion;
        if (version < required)
        {
            section.Error($"Schema version {version}; this build needs {required}. Run `duragent db migrate --config {config.ConfigFile}`.");
        }
        else if (version > required)
        {
            section.Warn($"Schema version {version} is newer than this build knows ({required}); upgrade duragent.");
        }
        else
        {
            section.Ok($"Schema version {version} (current).");
        }
    }
}
