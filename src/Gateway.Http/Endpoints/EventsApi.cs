using Duragent.Gateway.Http.Auth;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Gateway.Http.Sse;
using Duragent.Sessions;
using Duragent.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// A session's event log: <c>/events</c> pages through it as JSON (export, clients without SSE), <c>/stream</c> follows
/// it live as Server-Sent Events with resume from <c>Last-Event-ID</c>. Both send every event exactly as stored.
/// </summary>
public static class EventsApi
{
    /// <summary>The query parameter that stands in for the <c>Last-Event-ID</c> header: <c>last_event_id</c>.</summary>
    public const string LastEventIdParameter = "last_event_id";

    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/v1/sessions/{id}").WithTags("Events");
        group.MapGet("/events", GetEventsAsync)
            .WithName("GetSessionEvents")
            .WithSummary("Stored events after a seq, as stored (envelope and fields), in seq order.")
            .Produces<SessionEventsPage>(StatusCodes.Status200OK)
            .ProducesProblems(400, 401, 403, 404);
        group.MapGet("/stream", StreamAsync)
            .WithName("StreamSessionEvents")
            .WithSummary("Server-Sent Events: id = seq, event = type, data = the stored event. Resumes after Last-Event-ID (or ?last_event_id=), every event exactly once.")
            .Produces<string>(StatusCodes.Status200OK, SessionEventPump.ContentType)
            .ProducesProblems(400, 401, 403, 404)
            .DisableRequestTimeout();
        group.MapPost("/stream-token", IssueStreamTokenAsync)
            .WithName("IssueStreamToken")
            .WithSummary("A short-lived token that opens this session's stream as ?stream_token= (for EventSource, which cannot send headers).")
            .Produces<StreamTokenResult>(StatusCodes.Status200OK)
            .ProducesProblems(400, 401, 403, 404);
        return group;
    }

    private static async Task<Results<EventsPageResult, ApiProblem>> GetEventsAsync(
        string id,
        [FromQuery(Name = "after")] string? afterText,
        [FromQuery(Name = "limit")] string? limitText,
        [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var after = Query.Integer(afterText, "after", 0);
        var limit = (int?)Query.Integer(limitText, "limit", 1, GatewayOptions.MaxEventsPageSize);

        // The session reads its own log (in a cluster, the files are on the session's silo).
        var page = await grains.GetGrain<ISessionGrain>(id).GetEventsAsync(after ?? 0, limit ?? GatewayOptions.DefaultEventsPageSize);
        return new EventsPageResult(page.Events, page.NextAfter, page.HasMore);
    }

    private static async Task StreamAsync(
        string id,
        [FromQuery(Name = LastEventIdParameter)] string? lastEventId,
        [FromQuery(Name = "attach")] string? attachText,
        HttpContext context,
        [FromServices] IGrainFactory grains,
        [FromServices] GatewayLifetime lifetime,
        [FromServices] IOptions<GatewayOptions> options,
        [FromServices] TimeProvider time,
        [FromServices] ILoggerFactory loggers)
    {
        Ids.Check(id, "session id");
        var header = context.Request.Headers["Last-Event-ID"].ToString();
        var afterSeq = header.Length > 0 ? ParseEventId(header, "The Last-Event-ID header") : lastEventId is null ? 0 : ParseEventId(lastEventId, $"The query parameter '{LastEventIdParameter}'");
        var attached = Query.Boolean(attachText, "attach") ?? true;
        var remote = GatewayAuthMiddleware.Remote(context);
        var logger = loggers.CreateLogger(typeof(EventsApi).FullName!);
        var session = grains.GetGrain<ISessionGrain>(id);

        if (await session.GetInfoAsync() is null)
        {
            throw new SessionNotFoundException(id);
        }

        // The reader itself never attaches: a second stream that yields nothing holds the attach once the client got
        // its first event, so a client that never received anything (a browser that refused the response) cannot
        // pause a turn.
        using var holding = new CancellationTokenSource();
        Task hold = Task.CompletedTask;
        GatewayLog.LogDebugStreamOpened(logger, id, remote, afterSeq, attached);
        try
        {
            var outcome = await SessionEventPump.RunAsync(
                context,
                token => session.StreamAsync(new StreamOptions(afterSeq, Attach: false, "sse " + remote), token),
                options.Value.KeepAliveInterval,
                time,
                lifetime.Stopping,
                attached ? () => { hold = AttachHold.RunAsync(session, "sse " + remote, holding.Token); return Task.CompletedTask; } : null);
            GatewayLog.LogDebugStreamClosed(logger, id, remote, outcome.Events, outcome.Reason);
        }
        finally
        {
            await holding.CancelAsync();
            await hold;
        }
    }

    private static async Task<Results<Ok<StreamTokenResult>, ApiProblem>> IssueStreamTokenAsync(string id, [FromServices] IGrainFactory grains, [FromServices] StreamTokens tokens)
    {
        Ids.Check(id, "session id");
        if (await grains.GetGrain<ISessionGrain>(id).GetInfoAsync() is null)
        {
            return ApiProblem.SessionNotFound(id);
        }

        var (token, expiresAt) = tokens.Issue(id);
        return TypedResults.Ok(new StreamTokenResult(token, expiresAt));
    }

    private static long ParseEventId(string text, string what)
    {
        if (long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            return seq;
        }

        throw new ApiProblemException(ApiProblem.Invalid($"{what} must be the seq of an event (a whole number of at least 0); got '{text}'."));
    }
}
