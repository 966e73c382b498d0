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
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// <c>/api/v1/sessions/{id}/messages</c>: the conversation, paged either way, and new messages (acknowledged once
/// durable; optionally waiting for the turn that answers them).
/// </summary>
public static class MessagesApi
{
    /// <summary>The header of a <c>?wait=true</c> answer that came back before the turn settled: the session's status then.</summary>
    public const string SessionStatusHeader = "Duragent-Session-Status";

    /// <summary>The longest <c>client_message_id</c> accepted: 200 characters.</summary>
    public const int MaxClientMessageIdLength = 200;

    /// <summary>The <c>source</c> recorded for messages sent over HTTP: <c>api</c>.</summary>
    public const string Source = "api";

    public static RouteGroupBuilder MapMessagesApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/v1/sessions/{id}/messages").WithTags("Messages");
        group.MapGet(string.Empty, GetAsync)
            .WithName("GetMessages")
            .WithSummary("A page of the conversation: order=oldest pages forwards with after, order=newest pages backwards with before.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost(string.Empty, SendAsync)
            .WithName("SendMessage")
            .WithSummary("Sends a message: 202 once it is durable; with wait=true, 200 with the turn's result once it settles (202 and Duragent-Session-Status when the wait times out).")
            .Accepts<SendMessageRequest>("application/json")
            .Produces<MessageAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblems(400, 401, 403, 404, 409, 413, 415)
            .DisableRequestTimeout();
        return group;
    }

    private static async Task<Results<Ok<MessagePage>, ApiProblem>> GetAsync(
        string id,
        [FromQuery(Name = "limit")] string? limitText,
        [FromQuery(Name = "before")] string? beforeText,
        [FromQuery(Name = "after")] string? afterText,
        [FromQuery] string? order,
        [FromQuery(Name = "include_tools")] string? includeToolsText,
        [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var limit = (int?)Query.Integer(limitText, "limit", 1, GatewayOptions.MaxMessagesPageSize);
        var before = Query.Integer(beforeText, "before", 1);
        var after = Query.Integer(afterText, "after", 0);
        var includeTools = Query.Boolean(includeToolsText, "include_tools");
        bool newestFirst;
        switch (order)
        {
            case null or "oldest":
                newestFirst = false;
                break;
            case "newest":
                newestFirst = true;
                break;
            default:
                return ApiProblem.Invalid($"The query parameter 'order' must be 'oldest' or 'newest'; got '{order}'.");
        }

        var query = new MessageQuery(limit ?? GatewayOptions.DefaultMessagesPageSize, before, after, newestFirst, includeTools ?? false);
        return TypedResults.Ok(await grains.GetGrain<ISessionGrain>(id).GetMessagesAsync(query));
    }

    private static async Task<Results<Ok<TurnResult>, Accepted<MessageAccepted>, ApiProblem>> SendAsync(
        string id,
        [FromQuery(Name = "wait")] string? waitText,
        HttpContext context,
        [FromServices] IGrainFactory grains,
        [FromServices] GatewayLifetime lifetime,
        [FromServices] IOptions<GatewayOptions> options)
    {
        Ids.Check(id, "session id");
        var wait = Query.Boolean(waitText, "wait");
        var body = await JsonBody.ReadAsync(context.Request, GatewayJsonContext.Default.SendMessageRequest);
        var content = JsonBody.Require(body.Content, "content");
        if (body.ClientMessageId is { Length: > MaxClientMessageIdLength } clientMessageId)
        {
            return ApiProblem.Invalid($"The field 'client_message_id' is {clientMessageId.Length} characters long; at most {MaxClientMessageIdLength} are accepted.");
        }

        var message = new SendMessage(content, body.SenderId, body.SenderName, Source, body.ClientMessageId);
        var session = grains.GetGrain<ISessionGrain>(id);
        if (wait != true)
        {
            return TypedResults.Accepted(Location(id), await session.SendMessageAsync(message));
        }

        // The waiting caller counts as an attached client: if it goes away mid-turn, the session's on_disconnect applies.
        using var holding = new CancellationTokenSource();
        var hold = AttachHold.RunAsync(session, "wait " + GatewayAuthMiddleware.Remote(context), holding.Token);
        MessageAccepted accepted;
        try
        {
            accepted = await session.SendMessageAsync(message);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.Stopping);
            limit.CancelAfter(options.Value.RequestTimeout);
            try
            {
                return TypedResults.Ok(await session.WaitForTurnAcrossActivationsAsync(accepted.Seq, limit.Token));
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                // Timed out or stopping: the message is durable and the turn goes on (or pauses); say where it stands.
            }
            catch (StorageUnavailableException storage)
            {
                // The message is durable; its turn cannot record its next step until the storage takes writes again.
                return ApiProblem.Of(
                    ProblemCodes.InsufficientStorage,
                    $"The message was stored (seq {accepted.Seq}), but its turn cannot continue: {storage.Message} The turn continues by itself once writes work again.",
                    storage.Location is { } location ? [$"path: {location}"] : null);
            }
        }
        finally
        {
            await holding.CancelAsync();
            await hold;
        }

        var info = await session.GetInfoAsync();
        context.Response.Headers[SessionStatusHeader] = info is null ? "deleted" : StatusName(info.Status);
        return TypedResults.Accepted(Location(id), accepted);
    }

    private static string Location(string id) => $"/api/v1/sessions/{id}";

    private static string StatusName(SessionStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
