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
        return TypedResults.Ok(new AgentList(entries.Select(entry => AgentViews.Summary(entry, workspace)).ToList()));
    }

    private static async Task<Results<Ok<AgentDetail>, ApiProblem>> GetAsync(string name, [FromServices] IAgentCatalog catalog, [FromServices] DuragentWorkspace workspace, CancellationToken cancellationToken)
    {
        Ids.Check(name, "agent name");
        var entry = await catalog.GetEntryAsync(name, cancellationToken);
        if (entry is null)
        {
            return ApiProblem.Of(ProblemCodes.AgentNotFound, $"Agent '{name}' does not exist.");
        }

        return AgentViews.Detail(entry, workspace) is { } detail ? TypedResults.Ok(detail) : Invalid(entry, workspace);
    }

    /// <summary>422 <c>agent_invalid</c> listing the agent's errors.</summary>
    internal static ApiProblem Invalid(AgentLoadResult entry, DuragentWorkspace workspace)
    {
        var errors = AgentViews.Format(entry.Errors, workspace);
        return ApiProblem.Of(ProblemCodes.AgentInvalid, $"Agent '{entry.Name}' fails to load ({errors.Count} error{(errors.Count == 1 ? "" : "s")}): {string.Join("; ", errors)}", errors);
    }
}
