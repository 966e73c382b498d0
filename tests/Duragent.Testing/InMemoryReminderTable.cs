using System.Globalization;
using Orleans;
using Orleans.Runtime;

namespace Duragent.Testing;

/// <summary>
/// Orleans' <see cref="IReminderTable"/> in memory, faithful to the contract the file provider keeps: unconditional
/// upserts of rows with a positive period that return a new ETag every time, removals conditional on the ETag, ring-range reads by
/// <see cref="GrainId.GetUniformHashCode"/> in <c>(begin, end]</c> wrapping when <c>begin ≥ end</c>, and grain types, keys
/// and reminder names that must be valid <see cref="GrainKey"/>s.
/// </summary>
public sealed class InMemoryReminderTable : IReminderTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId GrainId, string Name), ReminderEntry> _rows = [];
    private long _version;

    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        InMemoryKeys.Check(grainId);
        return Read(r => r.GrainId == grainId);
    }

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        Read(r => InRange(r.GrainId.GetUniformHashCode(), begin, end));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        InMemoryKeys.Check(grainId, reminderName, "reminder name");
        lock (_lock)
        {
            return Task.FromResult(_rows.TryGetValue((grainId, reminderName), out var row) ? Copy(row) : null);
        }
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        InMemoryKeys.Check(entry.GrainId, entry.ReminderName, "reminder name");
        // Orleans' reminder service cannot schedule a period of 0 (it fails the whole range read that holds one).
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(entry.Period, TimeSpan.Zero, nameof(entry));
        lock (_lock)
        {
            var stored = Copy(entry);
            stored.StartAt = stored.StartAt.Kind == DateTimeKind.Local ? stored.StartAt.ToUniversalTime() : DateTime.SpecifyKind(stored.StartAt, DateTimeKind.Utc);
            stored.ETag = (++_version).ToString(CultureInfo.InvariantCulture);
            _rows[(entry.GrainId, entry.ReminderName)] = stored;
            return Task.FromResult<string?>(stored.ETag);
        }
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        InMemoryKeys.Check(grainId, reminderName, "reminder name");
        lock (_lock)
        {
            if (!_rows.TryGetValue((grainId, reminderName), out var row) || !string.Equals(row.ETag, eTag, StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            _rows.Remove((grainId, reminderName));
            return Task.FromResult(true);
        }
    }

    public Task TestOnlyClearTable()
    {
        lock (_lock)
        {
            _rows.Clear();
        }

        return Task.CompletedTask;
    }

    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry Copy(ReminderEntry entry) => new()
    {
        GrainId = entry.GrainId,
        ReminderName = entry.ReminderName,
        StartAt = entry.StartAt,
        Period = entry.Period,
        ETag = entry.ETag,
    };

    private Task<ReminderTableData> Read(Func<ReminderEntry, bool> filter)
    {
        lock (_lock)
        {
            return Task.FromResult(new ReminderTableData([.. _rows.Values.Where(filter).Select(Copy)]));
        }
    }
}
