using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Gateway.Http.Auth;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary><c>/api/admin/v1</c>: graceful shutdown and agent reload, guarded by <c>server.admin_token</c>.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/admin/v1").WithTags("Admin");
        group.MapPost("/shutdown", Shutdown)
            .WithName("Shutdown")
            .WithSummary("Stops the server gracefully after answering: streams end, running work drains, state is flushed.")
            .ProducesProblems(401, 403, 409);
        group.MapPost("/reload", ReloadAsync)
            .WithName("ReloadAgents")
            .WithSummary("Reads every agent again; returns how many loaded and the errors of those that did not.")
            .ProducesProblems(401, 403);
        group.MapPost("/reload-agents", ReloadAsync)
            .WithName("ReloadAgentsAlias")
            .WithSummary("The same as /reload (the original Duragent's name).")
            .ProducesProblems(401, 403);
        return group;
    }

    private static Results<Accepted<ShutdownStatus>, ApiProblem> Shutdown(HttpContext context, [FromServices] GatewayLifetime lifetime, [FromServices] ILoggerFactory loggers)
    {
        if (!lifetime.TryBeginShutdown())
        {
            return ApiProblem.Of(ProblemCodes.ShuttingDown, "The server is already shutting down.");
        }

        GatewayLog.LogInformationShutdownRequested(loggers.CreateLogger(typeof(AdminApi).FullName!), GatewayAuthMiddleware.Remote(context));

        // Stop only once the answer is on its way, so the caller learns that the shutdown began.
        context.Response.OnCompleted(() =>
        {
            lifetime.StopApplication();
            return Task.CompletedTask;
        });
        return TypedResults.Accepted((string?)null, new ShutdownStatus("shutting_down"));
    }

    private static async Task<Ok<ReloadResult>> ReloadAsync(
        [FromServices] IAgentCatalog catalog,
        [FromServices] DuragentWorkspace workspace,
        [FromServices] ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var result = await AgentViews.ReloadAsync(catalog, workspace, cancellationToken);
        GatewayLog.LogInformationAgentsReloaded(loggers.CreateLogger(typeof(AdminApi).FullName!), result.Agents, result.Errors.Count);
        return TypedResults.Ok(result);
    }
}
