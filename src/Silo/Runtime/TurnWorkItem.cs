namespace Duragent.Runtime;

/// <summary>A turn posted by the grain itself (<see cref="IGrainContext.RunTurnAsync"/>).</summary>
internal sealed class TurnWorkItem(Func<Task> work, bool interleave)
    : WorkItem(isReadOnly: false, alwaysInterleave: interleave, countsAsActivity: true, isLocal: true)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    public override string Description => "posted turn";

    public override async Task ExecuteAsync(Grain grain)
    {
        await work();
        _completion.TrySetResult();
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}
