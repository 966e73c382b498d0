using Duragent.FakeLlm;
using Duragent.Grains.Tests.Sessions;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>A session kit (real silo, agent "assistant", fake LLM answering "ok") with the schedule services.</summary>
internal static class ScheduleKit
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static async Task<SessionKit> StartAsync(TimeProvider? clock = null, Action<ScheduleOptions>? options = null, bool fileStorage = false)
    {
        var kit = await SessionKit.StartAsync(fileStorage: fileStorage, silo: b =>
        {
            if (clock is not null)
            {
                b.Services.AddSingleton(new ScheduleClock(clock));
            }

            b.Services.AddDuragentSchedules(o =>
            {
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
                options?.Invoke(o);
            });
        });
        kit.Llm.Fallback = _ => FakeResponse.Text("ok");
        return kit;
    }

    public static IScheduleGrain Schedule(this SessionKit kit, string id) => kit.Silo.GrainFactory.GetGrain<IScheduleGrain>(id);

    /// <summary>Waits for the log line of a finished run (ok or failed) of <paramref name="id"/>; <paramref name="nth"/> counts from 1.</summary>
    public static Task WaitForFinishedAsync(this SessionKit kit, string id, int nth = 1) => kit.WaitForLogAsync(4003, id, nth, "a finished run");

    public static async Task WaitForLogAsync(this SessionKit kit, int eventId, string id, int nth, string what)
    {
        var seen = 0;
        var wait = kit.Silo.WaitForLogAsync(r => r.EventId.Id == eventId && r.Message.Contains($"Schedule {id}", StringComparison.Ordinal) && ++seen >= nth);
        if (await Task.WhenAny(wait, Task.Delay(Wait)) != wait)
        {
            var runs = await kit.Schedule(id).GetRunsAsync(50);
            throw new TimeoutException($"Schedule {id}: {what} (#{nth}) was not logged within {Wait}; runs: {string.Join("; ", runs.Select(r => $"{r.RunId} {r.Status} {r.Detail}"))}");
        }
    }

    /// <summary>The user messages a session stored (empty when the session does not exist).</summary>
    public static async Task<List<SessionMessage>> UserMessagesAsync(this SessionKit kit, string sessionId)
    {
        var session = kit.Session(sessionId);
        if (await session.GetInfoAsync() is null)
        {
            return [];
        }

        var page = await session.GetMessagesAsync(new MessageQuery(Limit: 500));
        return page.Messages.Where(m => m.Role == "user").ToList();
    }
}
