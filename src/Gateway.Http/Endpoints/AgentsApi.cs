using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// <c>/api/v1/agents</c>: the workspace's agents as the catalog loads them. Prompt texts, API key variables and
/// credentials and query strings of URLs are never sent; diagnostics name files relative to the workspace's config directory.
/// </summary>
public static class AgentsApi
{
    public static RouteGroupBuilder MapAgentsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/v1/agents").WithTags("Agents");
        group.MapGet(string.Empty, ListAsync)
            .WithName("ListAgents")
            .WithSummary("Every agent of the workspace, valid or not, with its errors and warnings.")
            .ProducesProblems(401, 403);
        group.MapGet("/{name}", GetAsync)
            .WithName("GetAgent")
            .WithSummary("One agent's definition (no prompt texts, no keys).")
            .ProducesProblems(400, 401, 403, 404, 422);
        return group;
    }

    private static async Task<Ok<AgentList>> ListAsync([FromServices] IAgentCatalog catalog, [FromServices] DuragentWorkspace workspace, CancellationToken cancellationToken)
    {
        var entries = await catalog.ListAsync(cancellationToken);
        var agents = entries.Select(entry => Summary(entry, workspace)).ToList();
        return TypedResults.Ok(new AgentList(agents));
    }

    private static async Task<Results<Ok<AgentDetail>, ApiProblem>> GetAsync(string name, [FromServices] IAgentCatalog catalog, [FromServices] DuragentWorkspace workspace, CancellationToken cancellationToken)
    {
        Ids.Check(name, "agent name");
        var entry = await catalog.GetEntryAsync(name, cancellationToken);
        if (entry is null)
        {
            return ApiProblem.Of(ProblemCodes.AgentNotFound, $"Agent '{name}' does not exist.");
        }

        if (entry.Definition is not { } agent)
        {
            return Invalid(entry, workspace);
        }

        var detail = new AgentDetail(
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
        return TypedResults.Ok(detail);
    }

    /// <summary>422 <c>agent_invalid</c> listing the agent's errors.</summary>
    internal static ApiProblem Invalid(AgentLoadResult entry, DuragentWorkspace workspace)
    {
        var errors = Format(entry.Errors, workspace);
        return ApiProblem.Of(ProblemCodes.AgentInvalid, $"Agent '{entry.Name}' fails to load ({errors.Count} error{(errors.Count == 1 ? "" : "s")}): {string.Join("; ", errors)}", errors);
    }

    /// <summary>Diagnostics as <c>file:line:column: message</c>, the file relative to the config directory.</summary>
    internal static IReadOnlyList<string> Format(IEnumerable<ConfigDiagnostic> diagnostics, DuragentWorkspace workspace) =>
        diagnostics.Select(d =>
        {
            var file = Path.IsPathRooted(d.File) ? Path.GetRelativePath(workspace.ConfigDirectory, d.File) : d.File;
            return d.Line > 0 ? $"{file}:{d.Line}:{d.Column}: {d.Message}" : $"{file}: {d.Message}";
        }).ToList();

    private static AgentSummary Summary(AgentLoadResult entry, DuragentWorkspace workspace)
    {
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
