namespace Duragent.Runtime;

/// <summary>
/// One request in an activation's mailbox: a grain call, a turn posted by the grain itself, or a timer tick.
/// The flags decide admission (see <see cref="ActivationData"/>).
/// </summary>
internal abstract class WorkItem(bool isReadOnly, bool alwaysInterleave, bool countsAsActivity, bool isLocal)
{
    /// <summary>May run together with other read-only requests.</summary>
    public bool IsReadOnly { get; } = isReadOnly;

    /// <summary>May run during any other request (between its awaits).</summary>
    public bool AlwaysInterleave { get; } = alwaysInterleave;

    /// <summary>Arrival and completion reset the activation's idle clock.</summary>
    public bool CountsAsActivity { get; } = countsAsActivity;

    /// <summary>Bound to one activation (a turn or timer tick); never forwarded to a new activation.</summary>
    public bool IsLocal { get; } = isLocal;

    /// <summary>Set when the item starts running.</summary>
    public ActivationData? Activation { get; set; }

    /// <summary>The caller no longer waits (timed out): the item is dropped when it reaches the head of the queue.</summary>
    public virtual bool IsCancelled => false;

    /// <summary>
    /// Runs the item on the activation's scheduler and keeps its result. Exceptions escape to the mailbox, which
    /// finishes its bookkeeping first and then calls <see cref="Fail"/>; on success it calls <see cref="Complete"/>.
    /// So when a caller sees its call complete, the activation has already counted it as done.
    /// </summary>
    public abstract Task ExecuteAsync(Grain grain);

    /// <summary>Hands the result kept by <see cref="ExecuteAsync"/> to whoever waits.</summary>
    public abstract void Complete();

    /// <summary>Completes the item with an error, whether it ran or was rejected.</summary>
    public abstract void Fail(Exception exception);

    /// <summary>What the item is, for logs and messages (e.g. <c>call ISessionGrain.SendAsync</c>).</summary>
    public abstract string Description { get; }
}
