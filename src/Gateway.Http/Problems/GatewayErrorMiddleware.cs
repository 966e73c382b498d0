using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Gateway.Http.Problems;

/// <summary>
/// Turns every exception that escapes an endpoint into a problem+json response: <see cref="ApiProblemException"/> as
/// it is, session errors by their <see cref="SessionException.Code"/>, framework rejections (bad query values, body
/// limits) by their status, runtime timeouts and shutdown as 504 and 503, anything else as 500 without details (the
/// exception goes to the log with the request's trace id). A client that went away gets nothing.
/// </summary>
internal sealed class GatewayErrorMiddleware(RequestDelegate next, ILogger<GatewayErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex)
        {
            var problem = Map(ex, context);
            if (context.Response.HasStarted)
            {
                GatewayLog.LogWarningFailedAfterStart(logger, ex, context.Request.Method, context.Request.Path.Value ?? "/", context.TraceIdentifier);
                context.Abort();
                return;
            }

            context.Response.Clear();
            await problem.ExecuteAsync(context);
        }
    }

    private ApiProblem Map(Exception ex, HttpContext context)
    {
        switch (ex)
        {
            case ApiProblemException api:
                return api.Problem;
            case SessionDeactivatedException:
                // Only after several activations in a row went away under the call (a cluster shedding silos).
                return ApiProblem.Of(ProblemCodes.Unavailable, "The session's silo went away while the request waited, several times; what was stored is intact. Read the session, or retry.");
            case SessionException session:
                return ApiProblem.Of(session.Code, session.Message);
            case ScheduleInvalidException invalid:
                return ApiProblem.Of(invalid.Code, invalid.Message, [$"{invalid.Field}: {invalid.Problem}"]);
            case ScheduleException schedule:
                return ApiProblem.Of(schedule.Code, schedule.Message);
            case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge:
                return JsonBody.TooLarge(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize);
            case BadHttpRequestException bad:
                return ApiProblem.Of(bad.StatusCode, ProblemCodes.ForStatus(bad.StatusCode), bad.Message);
            case StorageUnavailableException storage:
                // Logged once by the storage itself when writes start failing; not a stack trace per request.
                return ApiProblem.Of(
                    ProblemCodes.InsufficientStorage,
                    $"{storage.Message} Nothing of this request was stored; what was stored before is intact. Free space and retry.",
                    storage.Location is { } location ? [$"path: {location}"] : null);
            case TimeoutException:
                return ApiProblem.Of(ProblemCodes.Timeout, "The session did not answer in time; the outcome of the request is unknown. Read the session to see whether it took effect.");
            case SiloUnavailableException:
            case OrleansMessageRejectionException:
            case OperationCanceledException when context.RequestServices.GetService<GatewayLifetime>()?.IsStopping == true:
                return ApiProblem.Of(ProblemCodes.Unavailable, "The server is shutting down and accepts no new work.");
            default:
                GatewayLog.LogErrorUnhandled(logger, ex, context.Request.Method, context.Request.Path.Value ?? "/", context.TraceIdentifier);
                return ApiProblem.Of(ProblemCodes.InternalError, $"The request failed unexpectedly; the server log has the details (trace id {context.TraceIdentifier}).");
        }
    }
}
