using System.Globalization;
using System.Text;
using Duragent.Runtime;
using Microsoft.Extensions.Logging;

namespace Duragent.Storage.File;

/// <summary>
/// Reminder rows as YAML files, one per row: <c>&lt;root&gt;/reminders/&lt;type&gt;/&lt;key&gt;/&lt;name&gt;.yaml</c>,
/// written atomically, with a <c>version</c> used as the ETag. All rows are read once and then served from memory
/// (the provider is the workspace's only writer); <see cref="ReadDueAsync"/> filters them by
/// <see cref="ReminderEntry.NextDueAt"/>.
/// </summary>
/// <remarks>
/// A folder per grain keeps a grain's rows together (listing and removing them is one directory) and keeps every
/// path component a validated key. Removed rows leave their last version in memory so that a row created again
/// continues from it and an old ETag cannot match by accident.
/// </remarks>
public sealed class FileReminderTable : IReminderTable
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly FileLayout _layout;
    private readonly FlushScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly Func<bool> _isDisposed;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<(GrainId GrainId, string Name), Row> _rows = [];
    private bool _loaded;

    internal FileReminderTable(FileLayout layout, FlushScheduler scheduler, ILogger logger, Func<bool> isDisposed)
    {
        _layout = layout;
        _scheduler = scheduler;
        _logger = logger;
        _isDisposed = isDisposed;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(static _ => true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(DateTimeOffset dueBy, CancellationToken cancellationToken = default) =>
        QueryAsync(entry => entry.NextDueAt <= dueBy, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        _layout.ReminderDirectory(grainId);
        return QueryAsync(entry => entry.GrainId == grainId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string name, CancellationToken cancellationToken = default)
    {
        _layout.ReminderFile(grainId, name);
        await EnterAsync(cancellationToken);
        try
        {
            return _rows.TryGetValue((grainId, name), out var row) && row.Entry is not null ? row.Entry : null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = _layout.ReminderFile(entry.GrainId, entry.Name);
        if (entry.Period < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Period, "A reminder's period cannot be negative.");
        }

        await EnterAsync(cancellationToken);
        try
        {
            var key = (entry.GrainId, entry.Name);
            _rows.TryGetValue(key, out var known);
            var exists = known?.Entry is not null;
            if (entry.ETag is not null && (!exists || known!.Entry!.ETag != entry.ETag))
            {
                var stored = exists ? known!.Entry!.ETag : null;
                throw new InconsistentStateException(
                    $"Cannot update the reminder {path}: the caller's ETag is {entry.ETag} but the stored version is {stored ?? "none (no row)"}.",
                    stored, entry.ETag);
            }

            var version = (known?.Version ?? 0) + 1;
            var eTag = version.ToString(CultureInfo.InvariantCulture);
            var content = Render(entry, version);
            try
            {
                await _scheduler.RunAsync(() =>
                {
                    DurableFiles.EnsureDirectory(Path.GetDirectoryName(path)!, _layout.Root);
                    DurableFiles.WriteAtomic(path, content);
                }, CancellationToken.None, path);
                _scheduler.Health.ReportSuccess();
            }
            catch
            {
                _loaded = false;
                throw;
            }

            _rows[key] = new Row(version, entry with { ETag = eTag });
            return eTag;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<bool> RemoveRowAsync(GrainId grainId, string name, string? eTag, CancellationToken cancellationToken = default)
    {
        var path = _layout.ReminderFile(grainId, name);
        await EnterAsync(cancellationToken);
        try
        {
            var key = (grainId, name);
            if (!_rows.TryGetValue(key, out var known) || known.Entry is null || (eTag is not null && known.Entry.ETag != eTag))
            {
                return false;
            }

            try
            {
                await _scheduler.RunAsync(() =>
                {
                    DurableFiles.Delete(path);
                    var grainDirectory = Path.GetDirectoryName(path)!;
                    DurableFiles.TryRemoveEmptyDirectory(grainDirectory);
                    DurableFiles.TryRemoveEmptyDirectory(Path.GetDirectoryName(grainDirectory)!);
                }, CancellationToken.None);
            }
            catch
            {
                _loaded = false;
                throw;
            }

            _rows[key] = known with { Entry = null };
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<IReadOnlyList<ReminderEntry>> QueryAsync(Func<ReminderEntry, bool> predicate, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            return _rows.Values
                .Where(row => row.Entry is not null && predicate(row.Entry))
                .Select(row => row.Entry!)
                .OrderBy(entry => entry.NextDueAt)
                .ToList();
        }
        finally
        {
            _lock.Release();
        }
    }

    // Takes the table lock, loading every row first if needed.
    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_isDisposed(), this);
        await _lock.WaitAsync(cancellationToken);
        if (_loaded)
        {
            return;
        }

        try
        {
            var rows = await _scheduler.RunAsync(LoadAll, cancellationToken);
            foreach (var (key, row) in _rows)
            {
                // Keep the versions of removed rows (tombstones) across a reload.
                if (row.Entry is null && !rows.ContainsKey(key))
                {
                    rows[key] = row;
                }
            }

            _rows.Clear();
            foreach (var (key, row) in rows)
            {
                _rows[key] = row;
            }

            _loaded = true;
        }
        catch
        {
            _lock.Release();
            throw;
        }
    }

    private Dictionary<(GrainId, string), Row> LoadAll()
    {
        var rows = new Dictionary<(GrainId, string), Row>();
        var root = _layout.RemindersRoot;
        if (!Directory.Exists(root))
        {
            return rows;
        }

        foreach (var typeDirectory in Directory.EnumerateDirectories(root))
        {
            var type = Path.GetFileName(typeDirectory);
            if (!GrainKey.IsValid(type))
            {
                _logger.LogWarningUnexpectedEntrySkipped(typeDirectory, "not a valid grain type name");
                continue;
            }

            foreach (var keyDirectory in Directory.EnumerateDirectories(typeDirectory))
            {
                var key = Path.GetFileName(keyDirectory);
                if (!GrainKey.IsValid(key))
                {
                    _logger.LogWarningUnexpectedEntrySkipped(keyDirectory, "not a valid grain key");
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(keyDirectory))
                {
                    var fileName = Path.GetFileName(file);
                    if (fileName.EndsWith(FileLayout.TempSuffix, StringComparison.Ordinal))
                    {
                        System.IO.File.Delete(file);
                        _logger.LogWarningStrayTempDeleted(file);
                        continue;
                    }

                    var name = fileName.EndsWith(FileLayout.ReminderFileSuffix, StringComparison.Ordinal) ? fileName[..^FileLayout.ReminderFileSuffix.Length] : null;
                    if (!GrainKey.IsValid(name))
                    {
                        _logger.LogWarningUnexpectedEntrySkipped(file, "not a reminder file (<name>.yaml)");
                        continue;
                    }

                    var grainId = new GrainId(type, key);
                    var row = Parse(file, grainId, name);
                    rows[(grainId, name)] = row;
                }
            }
        }

        return rows;
    }

    private static Row Parse(string path, GrainId grainId, string name)
    {
        var document = StateYaml.Deserialize<ReminderDocument>(System.IO.File.ReadAllText(path, Encoding.UTF8), path);
        if (document.Version < 1)
        {
            throw new StorageCorruptedException($"{path}: the file has no 'version' (a positive number).", path, null);
        }

        var entry = new ReminderEntry(
            grainId,
            name,
            ParseTime(document.StartAt, "start_at", path),
            ParsePeriod(document.Period, path),
            document.MissedTickPolicy,
            document.LastTickAt is null ? null : ParseTime(document.LastTickAt, "last_tick_at", path),
            ParseTime(document.NextDueAt, "next_due_at", path),
            document.Version.ToString(CultureInfo.InvariantCulture));
        return new Row(document.Version, entry);
    }

    private static DateTimeOffset ParseTime(string? text, string field, string path) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new StorageCorruptedException($"{path}: '{field}' is missing or not a timestamp ('{text}').", path, null);

    private static TimeSpan ParsePeriod(string? text, string path) =>
        TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new StorageCorruptedException($"{path}: 'period' is missing or not a duration like 00:05:00 ('{text}').", path, null);

    private static byte[] Render(ReminderEntry entry, long version)
    {
        var document = new ReminderDocument
        {
            Version = version,
            Grain = entry.GrainId.ToString(),
            Name = entry.Name,
            StartAt = FormatTime(entry.StartAt),
            Period = entry.Period.ToString("c", CultureInfo.InvariantCulture),
            MissedTickPolicy = entry.MissedTickPolicy,
            LastTickAt = entry.LastTickAt is { } last ? FormatTime(last) : null,
            NextDueAt = FormatTime(entry.NextDueAt),
        };
        var text = $"# Duragent reminder '{entry.Name}' of {entry.GrainId}.\n# Written atomically by Duragent; 'version' is the row's ETag. Edit only while the silo is stopped.\n"
            + StateYaml.Serializer.Serialize(document);
        return Encoding.UTF8.GetBytes(text);
    }

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private sealed record Row(long Version, ReminderEntry? Entry);
}

/// <summary>The shape of a reminder file.</summary>
internal sealed class ReminderDocument
{
    public long Version { get; set; }

    public string? Grain { get; set; }

    public string? Name { get; set; }

    public string? StartAt { get; set; }

    public string? Period { get; set; }

    public MissedTickPolicy MissedTickPolicy { get; set; }

    public string? LastTickAt { get; set; }

    public string? NextDueAt { get; set; }
}
