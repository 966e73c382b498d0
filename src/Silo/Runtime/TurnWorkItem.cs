namespace Duragent.Runtime;

/// <summary>A turn posted by the grain itself (<see cref="IGrainContext.RunTurnAsync"/>).</summary>
internal sealed class TurnWorkItem(Func<Task> work, bool interleave)
    : WorkItem(isReadOnly: false, alwaysInterleave: interleave, countsAsActivity: true, isLocal: true)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    public override string Description => "posted turn";

    public override Task ExecuteAsync(Grain grain) => work();

    public override void Complete() => _completion.TrySetResult();

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}
