using System.Globalization;
using Duragent.Runtime;
using Duragent.Storage;

namespace Duragent.Testing;

/// <summary><see cref="IReminderTable"/> in memory, with per-row ETags and conditional upserts and removals.</summary>
public sealed class InMemoryReminderTable : IReminderTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId GrainId, string Name), ReminderEntry> _rows = [];
    private long _version;

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        Read(_ => true);

    public Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(DateTimeOffset dueBy, CancellationToken cancellationToken = default) =>
        Read(r => r.NextDueAt <= dueBy);

    public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        Read(r => r.GrainId == grainId);

    public Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.GetValueOrDefault((grainId, name)));
        }
    }

    public Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var key = (entry.GrainId, entry.Name);
            if (entry.ETag is not null)
            {
                var stored = _rows.GetValueOrDefault(key)?.ETag;
                if (stored != entry.ETag)
                {
                    throw new InconsistentStateException(
                        $"Cannot update reminder '{entry.Name}' of grain {entry.GrainId}: expected version '{entry.ETag}' but the table has '{stored ?? "(none)"}'.",
                        stored,
                        entry.ETag);
                }
            }

            var eTag = (++_version).ToString(CultureInfo.InvariantCulture);
            _rows[key] = entry with { ETag = eTag };
            return Task.FromResult(eTag);
        }
    }

    public Task<bool> RemoveRowAsync(GrainId grainId, string name, string? eTag, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_rows.TryGetValue((grainId, name), out var row) || (eTag is not null && row.ETag != eTag))
            {
                return Task.FromResult(false);
            }

            _rows.Remove((grainId, name));
            return Task.FromResult(true);
        }
    }

    private Task<IReadOnlyList<ReminderEntry>> Read(Func<ReminderEntry, bool> filter)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _rows.Values.Where(filter)]);
        }
    }
}
