using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Schedules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// <c>/api/v1/schedules</c>: create, list, read, update, pause/resume, delete, run now and run history. A bad schedule is
/// a 400 <c>invalid_schedule</c> whose detail and <c>errors</c> name the field. Ids are checked before any grain is touched.
/// </summary>
public static class SchedulesApi
{
    /// <summary>The <c>source</c> recorded for schedules created over HTTP: <c>api</c>.</summary>
    public const string Source = "api";

    /// <summary>The most runs one history request returns: 500.</summary>
    public const int MaxRunsLimit = 500;

    public static RouteGroupBuilder MapSchedulesApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/v1/schedules").WithTags("Schedules");
        group.MapPost(string.Empty, CreateAsync)
            .WithName("CreateSchedule")
            .WithSummary("Creates a schedule (durable before 201); the first slot is computed from now.")
            .Accepts<ScheduleRequest>("application/json")
            .ProducesProblems(400, 401, 403, 404, 409, 413, 415);
        group.MapGet(string.Empty, ListAsync)
            .WithName("ListSchedules")
            .WithSummary("Every schedule, or one agent's, sorted by id.")
            .ProducesProblems(400, 401, 403);
        group.MapGet("/{id}", GetAsync)
            .WithName("GetSchedule")
            .WithSummary("A schedule: its definition, next slot and last run.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPut("/{id}", UpdateAsync)
            .WithName("UpdateSchedule")
            .WithSummary("Replaces a schedule's definition; the next slot is computed again from now; the history stays.")
            .Accepts<ScheduleRequest>("application/json")
            .ProducesProblems(400, 401, 403, 404, 413, 415);
        group.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteSchedule")
            .WithSummary("Deletes a schedule and its history; runs already delivered stay in their sessions.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost("/{id}/pause", PauseAsync)
            .WithName("PauseSchedule")
            .WithSummary("Stops firing; slots that pass while paused are not caught up.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost("/{id}/resume", ResumeAsync)
            .WithName("ResumeSchedule")
            .WithSummary("Fires again from the next slot after now.")
            .ProducesProblems(400, 401, 403, 404);
        group.MapPost("/{id}/run", RunAsync)
            .WithName("RunSchedule")
            .WithSummary("Starts a run now, outside the cadence (202: a task run goes on in its session).")
            .ProducesProblems(400, 401, 403, 404, 409);
        group.MapGet("/{id}/runs", RunsAsync)
            .WithName("ListScheduleRuns")
            .WithSummary("The run history, newest first: runs (ok, failed, running) and skipped slots with their reason.")
            .ProducesProblems(400, 401, 403, 404);
        return group;
    }

    private static async Task<Results<Created<ScheduleInfo>, ApiProblem>> CreateAsync(HttpRequest request, [FromServices] IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(request, GatewayJsonContext.Default.ScheduleRequest);
        var spec = ToSpec(body);
        var id = body.ScheduleId is null ? Ulid.NewId("sched") : Ids.Check(body.ScheduleId, "schedule_id");
        var info = await grains.GetGrain<IScheduleGrain>(id).CreateAsync(spec);
        return TypedResults.Created($"/api/v1/schedules/{id}", info);
    }

    private static async Task<Results<Ok<ScheduleList>, ApiProblem>> ListAsync([FromQuery] string? agent, [FromServices] IGrainFactory grains)
    {
        if (agent is not null && GrainKey.Check(agent) is { } rule)
        {
            return ApiProblem.Of(ProblemCodes.InvalidId, $"The query parameter 'agent' is not a valid agent name: {rule}.");
        }

        return TypedResults.Ok(new ScheduleList(await ScheduleListing.ListAsync(grains, agent)));
    }

    private static async Task<Results<Ok<ScheduleInfo>, ApiProblem>> GetAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "schedule id");
        var info = await grains.GetGrain<IScheduleGrain>(id).GetAsync();
        return info is null ? NotFound(id) : TypedResults.Ok(info);
    }

    private static async Task<Results<Ok<ScheduleInfo>, ApiProblem>> UpdateAsync(string id, HttpRequest request, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "schedule id");
        var body = await JsonBody.ReadAsync(request, GatewayJsonContext.Default.ScheduleRequest);
        if (body.ScheduleId is not null && body.ScheduleId != id)
        {
            return ApiProblem.Invalid("The field 'schedule_id' cannot change; it must be left out or equal the id in the path.");
        }

        return TypedResults.Ok(await grains.GetGrain<IScheduleGrain>(id).UpdateAsync(ToSpec(body)));
    }

    private static async Task<Results<NoContent, ApiProblem>> DeleteAsync(string id, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "schedule id");
        var schedule = grains.GetGrain<IScheduleGrain>(id);
        if (await schedule.GetAsync() is null)
        {
            return NotFound(id);
        }

        await schedule.DeleteAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ScheduleInfo>> PauseAsync(string id, [FromServices] IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IScheduleGrain>(Ids.Check(id, "schedule id")).PauseAsync());

    private static async Task<Ok<ScheduleInfo>> ResumeAsync(string id, [FromServices] IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IScheduleGrain>(Ids.Check(id, "schedule id")).ResumeAsync());

    private static async Task<Accepted<ScheduleRun>> RunAsync(string id, [FromServices] IGrainFactory grains)
    {
        var run = await grains.GetGrain<IScheduleGrain>(Ids.Check(id, "schedule id")).RunNowAsync();
        return TypedResults.Accepted($"/api/v1/schedules/{id}/runs", run);
    }

    private static async Task<Results<Ok<ScheduleRunList>, ApiProblem>> RunsAsync(string id, [FromQuery] int? limit, [FromServices] IGrainFactory grains)
    {
        Ids.Check(id, "schedule id");
        if (limit is < 1 or > MaxRunsLimit)
        {
            return ApiProblem.Invalid($"The query parameter 'limit' must be between 1 and {MaxRunsLimit}; got {limit}.");
        }

        var schedule = grains.GetGrain<IScheduleGrain>(id);
        if (await schedule.GetAsync() is null)
        {
            return NotFound(id);
        }

        return TypedResults.Ok(new ScheduleRunList(await schedule.GetRunsAsync(limit ?? 50)));
    }

    private static ScheduleSpec ToSpec(ScheduleRequest body) => new(
        JsonBody.Require(body.Agent, "agent"),
        JsonBody.Require(body.Text, "text"),
        body.Payload ?? SchedulePayload.Message,
        body.At,
        body.Every,
        body.Cron,
        body.TimeZone,
        body.Anchor,
        body.Session,
        body.CatchUp ?? CatchUpPolicy.Once,
        body.Grace,
        body.MaxConcurrent ?? 1,
        body.OnBusy ?? BusyPolicy.Wait,
        body.MaxAttempts ?? 3,
        body.Description,
        Source);

    private static ApiProblem NotFound(string id) => ApiProblem.Of(ProblemCodes.ScheduleNotFound, $"Schedule '{id}' does not exist.");
}
