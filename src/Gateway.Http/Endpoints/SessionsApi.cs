using System.Text.Json;
using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// <c>/api/v1/sessions</c>: create, list, read and delete sessions, and steer their turns (approvals, cancel,
/// resume). Ids are checked against the key rules before any grain is touched.
/// </summary>
public static class SessionsApi
{
    /// <summary>The <c>source</c> recorded for sessions created over HTTP when the body names none: <c>api</c>.</summary>
    public const string DefaultSource = "api";

    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/v1/sessions").WithTags("Sessions");
        group.MapPost(string.Empty, CreateAsync)
            .WithName("CreateSession")
            .WithSummary("Creates a session for an agent (the session_started event and first snapshot are durable before 201).")
            .Accepts<CreateSessionRequest>("application/json")
            .ProducesProblems(400, 401, 403, 404, 409, 413, 415, 422);
        group.MapGet(string.Empty, ListAsync)
            .WithName("ListSessions")
            .WithSummary("Every stored session, newest first; filter by status and agent.")
            .ProducesProblems(400, 401, 403);
        group.MapGet("/{id}", GetAsync)
            .WithName("GetSession")
            .WithSummary("A session's current state, including a pending approval.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteSession")
            .WithSummary("Ends the session and deletes everything stored for it; open streams end.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost("/{id}/approvals", DecideAsync)
            .WithName("DecideApproval")
            .WithSummary("Allows or denies the pending tool call; the turn continues.")
            .Accepts<DecideApprovalRequest>("application/json")
            .ProducesProblems(400, 401, 403, 404, 409, 413, 415);
        group.MapPost("/{id}/cancel", CancelAsync)
            .WithName("CancelTurn")
            .WithSummary("Cancels the running turn (its LLM call or tool is stopped).")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost("/{id}/resume", ResumeAsync)
            .WithName("ResumeSession")
            .WithSummary("Resumes a paused turn; a session that is not paused is returned as it is.")
            .ProducesProblems(400, 401, 403, 404);
        return group;
    }

    private static async Task<Results<Created<SessionInfo>, ApiProblem>> CreateAsync(
        HttpRequest request,
        [FromServices] IGrainFactory grains,
        [FromServices] IAgentCatalog catalog,
        [FromServices] DuragentWorkspace workspace)
    {
        var body = await JsonBody.ReadAsync(request, GatewayJsonContext.Default.CreateSessionRequest);
        var agent = JsonBody.Require(body.Agent, "agent");
        if (GrainKey.Check(agent) is { } rule)
        {
            return ApiProblem.Invalid($"The field 'agent' is not a valid agent name: {rule}.");
        }

        if (body.Source is { } source && GrainKey.Check(source) is { } sourceRule)
        {
            return ApiProblem.Invalid($"The field 'source' is not a valid name: {sourceRule}.");
        }

        var id = body.SessionId is null ? Ulid.NewId("session") : Ids.Check(body.SessionId, "session_id");
        try
        {
            var info = await grains.GetGrain<ISessionGrain>(id).CreateAsync(new CreateSession(agent, body.OnDisconnect, body.Source ?? DefaultSource));
            return TypedResults.Created($"/api/v1/sessions/{id}", info);
        }
        catch (AgentNotFoundException)
        {
            // Tell a broken agent (422, with its errors) from a missing one (404).
            var entry = await catalog.GetEntryAsync(agent, request.HttpContext.RequestAborted);
            if (entry is { IsValid: false })
            {
                return AgentsApi.Invalid(entry, workspace);
            }

            throw;
        }
    }

    private static async Task<Results<Ok<SessionList>, ApiProblem>> ListAsync(
        [FromQuery] string? status,
        [FromQuery] string? agent,
        [FromServices] ISessionIndex index,
        CancellationToken cancellationToken)
    {
        SessionStatus? wanted = null;
        if (status is not null)
        {
            wanted = ParseStatus(status);
            if (wanted is null)
            {
                return ApiProblem.Invalid($"The query parameter 'status' must be one of {string.Join(", ", Enum.GetValues<SessionStatus>().Select(StatusName))}; got '{status}'.");
            }
        }

        if (agent is not null && GrainKey.Check(agent) is { } rule)
        {
            return ApiProblem.Of(ProblemCodes.InvalidId, $"The query parameter 'agent' is not a valid agent name: {rule}.");
        }

        var sessions = await index.ListAsync(cancellationToken);
        var selected = sessions
            .Where(s => wanted is null || s.Status == wanted)
            .Where(s => agent is null || string.Equals(s.Agent, agent, StringComparison.Ordinal))
            .ToList();
        return TypedResults.Ok(new SessionList(selected));
    }

    private static async Task<Results<Ok<SessionInfo>, ApiProblem>> GetAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var info = await grains.GetGrain<ISessionGrain>(id).GetInfoAsync();
        return info is null ? ApiProblem.SessionNotFound(id) : TypedResults.Ok(info);
    }

    private static async Task<Results<NoContent, ApiProblem>> DeleteAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var session = grains.GetGrain<ISessionGrain>(id);
        if (await session.GetInfoAsync() is null)
        {
            return ApiProblem.SessionNotFound(id);
        }

        await session.DeleteAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SessionInfo>, ApiProblem>> DecideAsync(string id, HttpRequest request, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var body = await JsonBody.ReadAsync(request, GatewayJsonContext.Default.DecideApprovalRequest);
        var callId = JsonBody.Require(body.CallId, "call_id");
        var decision = JsonBody.Require(body.Decision, "decision");
        var info = await grains.GetGrain<ISessionGrain>(id).DecideApprovalAsync(new DecideApproval(callId, decision, body.DecidedBy));
        return TypedResults.Ok(info);
    }

    private static async Task<Ok<CancelResult>> CancelAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var cancelled = await grains.GetGrain<ISessionGrain>(id).CancelTurnAsync("cancelled by an API client");
        return TypedResults.Ok(new CancelResult(cancelled));
    }

    private static async Task<Ok<SessionInfo>> ResumeAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "session id");
        var info = await grains.GetGrain<ISessionGrain>(id).ResumeAsync();
        return TypedResults.Ok(info);
    }

    private static SessionStatus? ParseStatus(string text)
    {
        foreach (var value in Enum.GetValues<SessionStatus>())
        {
            if (string.Equals(StatusName(value), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static string StatusName(SessionStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
