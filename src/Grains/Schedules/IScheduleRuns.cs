namespace Duragent.Schedules;

/// <summary>
/// How a task run's wait for its turn (which runs outside the schedule grain's turns) reports back: a call of the grain
/// to itself, queued like any request. Internal to the schedule; clients never call it.
/// </summary>
[Alias("duragent.schedule-runs")]
internal interface IScheduleRuns : IGrainWithStringKey
{
    /// <summary>Records the end of attempt <paramref name="attempt"/> of run <paramref name="runId"/>; ignored when the run has moved on.</summary>
    Task FinishTaskRunAsync(string runId, int attempt, bool ok, string detail);
}
