using System.Net;
using System.Text.Json;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Schedules;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// <c>/api/v1/schedules</c> over real HTTP on a real server: the life of a schedule, firing into a session, and hostile
/// input (bad timing, unknown zones, ids that break the key rules, wrong types, huge values) rejected with problem+json
/// that names the field, with nothing stored.
/// </summary>
public sealed class SchedulesApiTests
{
    [Fact]
    public async Task Lifecycle_CreateGetListUpdatePauseResumeRunHistoryDelete()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Fallback = _ => FakeLlm.FakeResponse.Text("ok");

        using var created = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json(
            """{"agent":"assistant","text":"daily digest","payload":"task","cron":"0 9 * * MON-FRI","time_zone":"Europe/Paris","catch_up":"skip","grace":"30m"}"""));
        await Http.ExpectAsync(created, 201);
        var info = await Http.ReadAsync(created, GatewayJsonContext.Default.ScheduleInfo);
        Assert.Matches("^sched_[0-9A-HJKMNP-TV-Z]{26}$", info.ScheduleId);
        Assert.Equal($"/api/v1/schedules/{info.ScheduleId}", created.Headers.Location?.OriginalString);
        Assert.Equal("cron", info.Kind);
        Assert.Equal("api", info.Spec.Source);
        Assert.NotNull(info.NextRunAt);
        var json = await Http.JsonAsync(created);
        Assert.Equal("task", json.GetProperty("spec").GetProperty("payload").GetString());
        Assert.Equal("skip", json.GetProperty("spec").GetProperty("catch_up").GetString());
        Assert.True(Directory.Exists(Path.Combine(kit.Workspace.SchedulesDirectory, info.ScheduleId)), "the schedule is stored under schedules/");

        var id = info.ScheduleId;
        using var got = await kit.Client.GetAsync($"api/v1/schedules/{id}");
        Assert.Equal(id, (await Http.ReadAsync(got, GatewayJsonContext.Default.ScheduleInfo)).ScheduleId);

        using var list = await kit.Client.GetAsync("api/v1/schedules?agent=assistant");
        Assert.Equal([id], (await Http.ReadAsync(list, GatewayJsonContext.Default.ScheduleList)).Schedules.Select(s => s.ScheduleId));
        using var none = await kit.Client.GetAsync("api/v1/schedules?agent=other");
        Assert.Empty((await Http.ReadAsync(none, GatewayJsonContext.Default.ScheduleList)).Schedules);

        using var updated = await kit.Client.PutAsync($"api/v1/schedules/{id}", GatewayKit.Json("""{"agent":"assistant","text":"hello","every":"2h","session":"inbox"}"""));
        var after = await Http.ReadAsync(updated, GatewayJsonContext.Default.ScheduleInfo);
        Assert.Equal("every", after.Kind);
        Assert.Equal(SchedulePayload.Message, after.Spec.Payload);

        using var paused = await kit.Client.PostAsync($"api/v1/schedules/{id}/pause", null);
        Assert.True((await Http.ReadAsync(paused, GatewayJsonContext.Default.ScheduleInfo)).Paused);
        using var resumed = await kit.Client.PostAsync($"api/v1/schedules/{id}/resume", null);
        Assert.False((await Http.ReadAsync(resumed, GatewayJsonContext.Default.ScheduleInfo)).Paused);

        using var run = await kit.Client.PostAsync($"api/v1/schedules/{id}/run", null);
        await Http.ExpectAsync(run, 202);
        var started = await Http.ReadAsync(run, GatewayJsonContext.Default.ScheduleRun);
        Assert.Equal(ScheduleRunStatus.Ok, started.Status);
        Assert.Equal("inbox", started.SessionId);
        using var messages = await kit.Client.GetAsync("api/v1/sessions/inbox/messages");
        Assert.Contains("hello", await messages.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var runs = await kit.Client.GetAsync($"api/v1/schedules/{id}/runs?limit=5");
        var history = await Http.ReadAsync(runs, GatewayJsonContext.Default.ScheduleRunList);
        Assert.Equal(started.RunId, Assert.Single(history.Runs).RunId);
        Assert.Equal("ok", (await Http.JsonAsync(runs)).GetProperty("runs")[0].GetProperty("status").GetString());

        using var deleted = await kit.Client.DeleteAsync($"api/v1/schedules/{id}");
        await Http.ExpectAsync(deleted, 204);
        using var gone = await kit.Client.GetAsync($"api/v1/schedules/{id}");
        await Http.ProblemAsync(gone, 404, ProblemCodes.ScheduleNotFound);
        using var deletedAgain = await kit.Client.DeleteAsync($"api/v1/schedules/{id}");
        await Http.ProblemAsync(deletedAgain, 404, ProblemCodes.ScheduleNotFound);
        Assert.False(Directory.Exists(Path.Combine(kit.Workspace.SchedulesDirectory, id)) && Directory.EnumerateFiles(Path.Combine(kit.Workspace.SchedulesDirectory, id)).Any());
    }

    [Theory]
    [InlineData("""{"agent":"assistant","text":"x","cron":"61 * * * *"}""", "cron")]
    [InlineData("""{"agent":"assistant","text":"x","cron":"* * *"}""", "cron")]
    [InlineData("""{"agent":"assistant","text":"x","cron":"0 9 * * *","time_zone":"Mars/Olympus"}""", "time_zone")]
    [InlineData("""{"agent":"assistant","text":"x","cron":"0 9 * * *","time_zone":"../../../etc/passwd"}""", "time_zone")]
    [InlineData("""{"agent":"assistant","text":"x","at":"2001-01-01T00:00:00Z"}""", "at")]
    [InlineData("""{"agent":"assistant","text":"x","at":"next tuesday"}""", "at")]
    [InlineData("""{"agent":"assistant","text":"x","every":"0s"}""", "every")]
    [InlineData("""{"agent":"assistant","text":"x","every":"99999999999999999999999d"}""", "every")]
    [InlineData("""{"agent":"assistant","text":"x"}""", "at")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","cron":"* * * * *"}""", "every")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","max_concurrent":0}""", "max_concurrent")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","max_attempts":1000}""", "max_attempts")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","grace":"forever"}""", "grace")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","session":"../etc"}""", "session")]
    [InlineData("""{"agent":"../../x","text":"x","every":"1m"}""", "agent")]
    public async Task BadSchedules_Are400NamingTheField_AndStoreNothing(string body, string field)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json(body));

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidSchedule);
        Assert.StartsWith(field + ": ", problem.Detail, StringComparison.Ordinal);
        Assert.StartsWith(field + ": ", Assert.Single(problem.Errors!), StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("""{"text":"x","every":"1m"}""", "'agent' is required")]
    [InlineData("""{"agent":"assistant","every":"1m"}""", "'text' is required")]
    [InlineData("""{"agent":"assistant","text":"   ","every":"1m"}""", "'text' must not be empty")]
    [InlineData("""{"agent":"assistant","text":"x","every":60}""", "every")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","payload":"shell"}""", "payload")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","catch_up":1}""", "catch_up")]
    [InlineData("""{"agent":"assistant","text":"x","every":"1m","max_concurrent":"2"}""", "max_concurrent")]
    public async Task MalformedFields_Are400InvalidRequest(string body, string mention)
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json(body));

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest);
        Assert.Contains(mention, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAgent_Is404_DuplicateId_Is409_BadIds_Are400()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var unknown = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json("""{"agent":"nobody","text":"x","every":"1m"}"""));
        await Http.ProblemAsync(unknown, 404, ProblemCodes.AgentNotFound);

        using var first = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json("""{"agent":"assistant","text":"x","every":"1h","schedule_id":"mine"}"""));
        await Http.ExpectAsync(first, 201);
        using var second = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json("""{"agent":"assistant","text":"y","every":"1h","schedule_id":"mine"}"""));
        await Http.ProblemAsync(second, 409, ProblemCodes.ScheduleConflict);

        using var badBodyId = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json("""{"agent":"assistant","text":"x","every":"1h","schedule_id":"a/../b"}"""));
        await Http.ProblemAsync(badBodyId, 400, ProblemCodes.InvalidId);
        using var badPathId = await kit.Client.GetAsync("api/v1/schedules/..%2F..%2Fetc");
        Assert.Equal(HttpStatusCode.BadRequest, badPathId.StatusCode);
        using var badAgent = await kit.Client.GetAsync("api/v1/schedules?agent=a%00b");
        await Http.ProblemAsync(badAgent, 400, ProblemCodes.InvalidId);
        using var missingRun = await kit.Client.PostAsync("api/v1/schedules/ghost/run", null);
        await Http.ProblemAsync(missingRun, 404, ProblemCodes.ScheduleNotFound);
        using var missingPause = await kit.Client.PostAsync("api/v1/schedules/ghost/pause", null);
        await Http.ProblemAsync(missingPause, 404, ProblemCodes.ScheduleNotFound);
        using var badLimit = await kit.Client.GetAsync("api/v1/schedules/mine/runs?limit=100000");
        await Http.ProblemAsync(badLimit, 400, ProblemCodes.InvalidRequest);
        using var renamed = await kit.Client.PutAsync("api/v1/schedules/mine", GatewayKit.Json("""{"agent":"assistant","text":"x","every":"1h","schedule_id":"other"}"""));
        await Http.ProblemAsync(renamed, 400, ProblemCodes.InvalidRequest);
    }

    [Fact]
    public async Task Schedules_NeedTheTokenWhenOneIsConfigured()
    {
        await using var kit = await GatewayKit.StartAsync(server: ["api_token: the-api-token-0123456789"]);
        kit.Client.DefaultRequestHeaders.Authorization = null;

        using var response = await kit.Client.GetAsync("api/v1/schedules");

        await Http.ProblemAsync(response, 401, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task AnEverySecondSchedule_FiresIntoItsSessionOverHttp()
    {
        await using var kit = await GatewayKit.StartAsync();
        using var created = await kit.Client.PostAsync("api/v1/schedules", GatewayKit.Json("""{"agent":"assistant","text":"tick","every":"1s","session":"ticks","schedule_id":"ticker"}"""));
        await Http.ExpectAsync(created, 201);

        using var cts = new CancellationTokenSource(GatewayKit.Wait);
        JsonElement runs;
        while (true)
        {
            using var response = await kit.Client.GetAsync("api/v1/schedules/ticker/runs", cts.Token);
            runs = (await Http.JsonAsync(response)).GetProperty("runs");
            if (runs.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "ok") >= 2)
            {
                break;
            }

            await Task.Delay(100, cts.Token);
        }

        using var paused = await kit.Client.PostAsync("api/v1/schedules/ticker/pause", null);
        await Http.ExpectAsync(paused, 200);
        using var messages = await kit.Client.GetAsync("api/v1/sessions/ticks/messages?limit=500");
        var body = await Http.JsonAsync(messages);
        var ticks = body.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "user");
        Assert.True(ticks >= 2, $"{ticks} messages");
    }
}
