using Duragent.Configuration;
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

/// <summary><c>/livez</c>, <c>/readyz</c>, <c>/version</c>: no authentication, cheap, never touch sessions.</summary>
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
            .WithSummary("Readiness: the silo and the gateway have started and are not stopping; reports the workspace hash.")
            .ProducesProblems(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/version", Version)
            .WithName("Version")
            .WithSummary("The server's version, commit, build date, runtime and OS.");
        return endpoints;
    }

    private static ContentHttpResult Live() => TypedResults.Text("ok", "text/plain");

    private static Results<Ok<ReadyStatus>, ApiProblem> Ready([FromServices] GatewayLifetime lifetime, [FromServices] DuragentWorkspace workspace, [FromServices] IServiceProvider services)
    {
        if (!lifetime.IsReady)
        {
            return ApiProblem.Of(ProblemCodes.NotReady, lifetime.IsStopping ? "The server is stopping." : "The server is starting.");
        }

        if (services.GetService<IStorageHealth>() is { IsWritable: false } storage)
        {
            return ApiProblem.Of(ProblemCodes.NotReady, $"The storage does not take writes: {storage.Problem}");
        }

        return TypedResults.Ok(new ReadyStatus("ok", workspace.Hash, DuragentVersion.Version, Environment.ProcessId));
    }

    private static Ok<VersionInfo> Version() => TypedResults.Ok(DuragentVersion.Info);
}
