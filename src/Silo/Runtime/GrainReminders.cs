namespace Duragent.Runtime;

/// <summary>The <see cref="IGrainReminders"/> of one grain, backed by the <see cref="LocalReminderService"/>.</summary>
internal sealed class GrainReminders(GrainId grainId, GrainRegistration registration, LocalReminderService service) : IGrainReminders
{
    public Task RegisterOrUpdateAsync(string name, DateTimeOffset startAt, TimeSpan period, MissedTickPolicy missedTickPolicy, CancellationToken cancellationToken = default)
    {
        if (registration.ReminderMethod is null)
        {
            throw new InvalidOperationException(
                $"Grain class {registration.ImplementationType.Name} ({registration.GrainType}) does not implement IRemindable, so it cannot register reminders.");
        }

        return service.RegisterOrUpdateAsync(grainId, name, startAt, period, missedTickPolicy, cancellationToken);
    }

    public Task<bool> UnregisterAsync(string name, CancellationToken cancellationToken = default) =>
        service.UnregisterAsync(grainId, name, cancellationToken);

    public Task<IReadOnlyList<ReminderInfo>> GetAllAsync(CancellationToken cancellationToken = default) =>
        service.GetAllAsync(grainId, cancellationToken);
}
