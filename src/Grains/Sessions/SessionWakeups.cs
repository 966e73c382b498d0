namespace Duragent.Sessions;

/// <summary>
/// The session's durable wake-ups, on Orleans reminders: a reminder survives restarts and activates the grain when it
/// is due. Orleans reminders are periodic with a one-minute minimum period, so a one-shot wake-up ("expire this
/// approval at 14:05") is a reminder first due at that time and repeating every minute until the grain's handler
/// cancels it: a handler that fails (or a silo that dies during it) is retried a minute later.
/// </summary>
internal sealed class SessionWakeups(Grain grain, TimeProvider clock)
{
    /// <summary>The period of every reminder: Orleans' minimum.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    /// <summary>Registers (or moves) the reminder <paramref name="name"/> to tick every minute from a minute from now.</summary>
    public Task EveryMinuteAsync(string name) => grain.RegisterOrUpdateReminder(name, Period, Period);

    /// <summary>Registers (or moves) the reminder <paramref name="name"/> to tick at <paramref name="due"/>, then every minute until cancelled.</summary>
    public Task AtAsync(string name, DateTimeOffset due)
    {
        var wait = due - clock.GetUtcNow();
        return grain.RegisterOrUpdateReminder(name, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Period);
    }

    /// <summary>Removes the reminder <paramref name="name"/> if it exists.</summary>
    public async Task CancelAsync(string name)
    {
        if (await grain.GetReminder(name) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }

    /// <summary>Removes every reminder of the grain.</summary>
    public async Task CancelAllAsync()
    {
        foreach (var reminder in await grain.GetReminders())
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
