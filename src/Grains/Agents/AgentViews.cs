using Duragent.Configuration;

namespace Duragent.Agents;

/// <summary>
/// Builds what clients may see of an agent (<see cref="AgentSummary"/>, <see cref="AgentDetail"/>,
/// <see cref="AgentLookup"/>) from the catalog's load results, for the HTTP API and the node grain alike: no prompt
/// texts, no API key variables, no user information or query in URLs, and diagnostics as
/// <c>file:line:column: message</c> relative to the workspace's config directory.
/// </summary>
public static class AgentViews
{
    public static AgentSummary Summary(AgentLoadResult entry, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var agent = entry.Definition;
        return new AgentSummary(
            entry.Name,
            agent?.Metadata.Description,
            agent?.Metadata.Version,
            agent is null ? null : new AgentModelSummary(ModelProviders.ToName(agent.Model.Provider), agent.Model.Name),
            entry.IsValid,
            Format(entry.Errors, workspace),
            Format(entry.Warnings, workspace));
    }

    /// <summary>The agent's definition as clients may see it; null when it does not load.</summary>
    public static AgentDetail? Detail(AgentLoadResult entry, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Definition is not { } agent)
        {
            return null;
        }

        return new AgentDetail(
            AgentDefinition.SupportedApiVersion,
            AgentDefinition.AgentKind,
            new AgentMetadataView(agent.Metadata.Name, agent.Metadata.Description, agent.Metadata.Version, agent.Metadata.Labels),
            new AgentSpecView(
                new AgentModelView(
                    ModelProviders.ToName(agent.Model.Provider),
                    agent.Model.Name,
                    agent.Model.Temperature,
                    agent.Model.MaxInputTokens,
                    agent.Model.MaxOutputTokens,
                    WithoutCredentials(agent.Model.BaseUrl)),
                new AgentSessionView(agent.Session.OnDisconnect, agent.Session.MaxToolIterations, agent.Session.LlmTimeoutSeconds),
                agent.Tools.Select(tool => new AgentToolView(ToolType(tool), tool.Name, tool.Idempotent)).ToList()),
            Format(entry.Warnings, workspace));
    }

    /// <summary>The lookup of <paramref name="name"/>: not found, its detail, or its errors.</summary>
    public static AgentLookup Lookup(string name, AgentLoadResult? entry, DuragentWorkspace workspace) =>
        entry is null
            ? new AgentLookup(name, false, null, [])
            : new AgentLookup(entry.Name, true, Detail(entry, workspace), Format(entry.Errors, workspace));

    /// <summary>The assembled system prompt of <paramref name="name"/> as of <paramref name="now"/>; see <see cref="AgentPromptView"/>.</summary>
    public static AgentPromptView Prompt(string name, AgentLoadResult? entry, AgentPromptSources prompts, DuragentWorkspace workspace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(workspace);
        if (entry?.Definition is not { } agent)
        {
            return new AgentPromptView(entry?.Name ?? name, entry is not null, [], string.Empty, entry is null ? [] : Format(entry.Errors, workspace), entry is null ? [] : Format(entry.Warnings, workspace));
        }

        var assembled = prompts.Assemble(agent, now);
        var parts = assembled.Parts
            .Select(p => new AgentPromptPartView(p.Title, p.Sources.Select(s => Relative(s, workspace)).ToList(), p.Text))
            .ToList();
        return new AgentPromptView(entry.Name, true, parts, assembled.Text, [], Format(entry.Warnings, workspace));
    }

    /// <summary>Diagnostics as <c>file:line:column: message</c>, the file relative to the config directory.</summary>
    public static IReadOnlyList<string> Format(IEnumerable<ConfigDiagnostic> diagnostics, DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(workspace);
        return diagnostics.Select(d =>
        {
            var file = Path.IsPathRooted(d.File) ? Path.GetRelativePath(workspace.ConfigDirectory, d.File) : d.File;
            return d.Line > 0 ? $"{file}:{d.Line}:{d.Column}: {d.Message}" : $"{file}: {d.Message}";
        }).ToList();
    }

    /// <summary>Reads every agent again and reports how many loaded and the errors of the others.</summary>
    public static async Task<ReloadResult> ReloadAsync(IAgentCatalog catalog, DuragentWorkspace workspace, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var entries = await catalog.ReloadAllAsync(cancellationToken);
        var errors = entries
            .Where(entry => !entry.IsValid)
            .SelectMany(entry => Format(entry.Errors, workspace).Select(error => $"{entry.Name}: {error}"))
            .ToList();
        return new ReloadResult(entries.Count(entry => entry.IsValid), errors);
    }

    private static string Relative(string path, DuragentWorkspace workspace)
    {
        if (!Path.IsPathRooted(path))
        {
            return path;
        }

        var relative = Path.GetRelativePath(workspace.ConfigDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    private static string ToolType(ToolSpec tool) => tool switch
    {
        BuiltinToolSpec => "builtin",
        CliToolSpec => "cli",
        _ => tool.GetType().Name.Replace("ToolSpec", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
    };

    private static string? WithoutCredentials(string? url)
    {
        // User information and query strings are where keys end up in URLs (https://user:key@host, ?key=…).
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.UserInfo.Length == 0 && uri.Query.Length == 0))
        {
            return url;
        }

        return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty }.Uri.ToString();
    }
}
