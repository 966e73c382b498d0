namespace Duragent.Runtime;

/// <summary>
/// The per-activation scheduler: runs the tasks queued to it one at a time, in order, on the thread pool. Grain code
/// runs on it, so every <c>await</c> in grain code resumes here and two turns of one activation never run in
/// parallel; interleaved requests run between the awaits of others. It costs a few dozen bytes while idle.
/// </summary>
/// <remarks>
/// Tasks are never inlined: a continuation completed by another turn (or another thread) is queued, so a turn's
/// code between two awaits is never entered by another turn.
/// </remarks>
internal sealed class ActivationTaskScheduler(ActivationData activation) : TaskScheduler, IThreadPoolWorkItem
{
    // Fairness: after this many tasks the scheduler yields its thread-pool thread and queues itself again.
    private const int TasksPerQuantum = 64;

    private readonly Queue<Task> _tasks = new();
    private bool _scheduled;

    /// <summary>The activation this scheduler belongs to.</summary>
    public ActivationData Activation { get; } = activation;

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>The activation whose turn is running on the current thread, if any.</summary>
    public static ActivationData? CurrentActivation => (Current as ActivationTaskScheduler)?.Activation;

    protected override void QueueTask(Task task)
    {
        lock (_tasks)
        {
            _tasks.Enqueue(task);
            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        for (var i = 0; i < TasksPerQuantum; i++)
        {
            Task? task;
            lock (_tasks)
            {
                if (!_tasks.TryDequeue(out task))
                {
                    _scheduled = false;
                    return;
                }
            }

            TryExecuteTask(task);
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_tasks)
        {
            return _tasks.ToArray();
        }
    }
}
