using Duragent.Configuration;
using Duragent.Security;
using Duragent.Storage;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// <c>/livez</c> and <c>/readyz</c>: no authentication, cheap, never touch sessions; to a caller without the API token
/// they tell only whether the server lives and is ready. <c>/readyz</c> with the token adds the workspace hash, version
/// and pid (the CLI's launcher tells its own server from another workspace's by them). <c>/version</c> needs the token
/// (<see cref="Auth.GatewayAuthMiddleware"/>).
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty).WithTags("Health");
        group.MapGet("/livez", Live)
            .WithName("Live")
            .WithSummary("Liveness: the process answers HTTP.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        group.MapGet("/readyz", Ready)
            .WithName("Ready")
            .WithSummary("Readiness: the silo and the gateway have started and are not stopping. With the API token: the workspace hash, version and pid too.")
            .ProducesProblems(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/version", Version)
            .WithName("Version")
            .WithSummary("The server's version, commit, build date, runtime and OS (needs the API token).");
        return endpoints;
    }

    private static ContentHttpResult Live() => TypedResults.Text("ok", "text/plain");

    private static Results<Ok<ReadyStatus>, ApiProblem> Ready(HttpContext context, [FromServices] GatewayLifetime lifetime, [FromServices] DuragentWorkspace workspace, [FromServices] ApiTokenStore token, [FromServices] IServiceProvider services)
    {
        if (!lifetime.IsReady)
        {
            return ApiProblem.Of(ProblemCodes.NotReady, lifetime.IsStopping ? "The server is stopping." : "The server is starting.");
        }

        if (services.GetService<IStorageHealth>() is { IsWritable: false } storage)
        {
            return ApiProblem.Of(ProblemCodes.NotReady, "The storage does not take writes." + (IsAuthenticated(context, token) ? $" {storage.Problem}" : string.Empty));
        }

        return TypedResults.Ok(IsAuthenticated(context, token) ? new ReadyStatus("ok", workspace.Hash, DuragentVersion.Version, Environment.ProcessId) : new ReadyStatus("ok"));
    }

    private static bool IsAuthenticated(HttpContext context, ApiTokenStore token) =>
        Auth.BearerToken.TryParseHeader(context.Request.Headers.Authorization, out var presented) && token.Matches(presented);

    private static Ok<VersionInfo> Version() => TypedResults.Ok(DuragentVersion.Info);
}
