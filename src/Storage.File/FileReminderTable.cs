using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Duragent.Storage.File;

/// <summary>
/// Orleans' reminder table as YAML files, one per row: <c>&lt;root&gt;/reminders/&lt;type&gt;/&lt;key&gt;/&lt;name&gt;.yaml</c>,
/// written atomically (temp file, fsync, rename, directory fsync) before <see cref="UpsertRow(ReminderEntry)"/>
/// returns, with a <c>version</c> used as the ETag. All rows are read once and then served from memory: the provider
/// is the workspace's only writer. <see cref="StartAsync"/> starts that read in the background and returns, so a
/// silo's start does not wait for it (10,000 rows take ~0.5 s); every call waits for it.
/// </summary>
/// <remarks>
/// <para>
/// Range reads follow Orleans' ring semantics: a row is in <c>(begin, end]</c> by its grain's
/// <see cref="GrainId.GetUniformHashCode"/>; when <c>begin &gt;= end</c> the range wraps around zero, and
/// <c>begin == end</c> is the whole ring.
/// </para>
/// <para>
/// A folder per grain keeps a grain's rows together (listing and removing them is one directory) and keeps every
/// path component a validated key. Removed rows leave their last version in memory so that a row created again
/// continues from it and an old ETag cannot match by accident.
/// </para>
/// <para>
/// Files written by releases before the move to Orleans read unchanged: they hold the same <c>version</c>,
/// <c>start_at</c> and <c>period</c>; their <c>missed_tick_policy</c>, <c>last_tick_at</c> and <c>next_due_at</c> are
/// ignored (Orleans computes the next tick from <c>start_at</c> and <c>period</c>) and dropped at the next upsert.
/// Their one-shot rows (period 0) are served with <see cref="LegacyOneShotPeriod"/>: Orleans' reminder service cannot
/// schedule a period of 0, and one such row would make it fail every read of the range that holds it. New rows must
/// have a positive period.
/// </para>
/// </remarks>
public sealed class FileReminderTable : IReminderTable
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>
    /// The period a one-shot row of a release before Orleans (period 0) is served with: 1 minute, Orleans' default
    /// minimum. Overdue, it ticks within a minute of loading; otherwise at its <c>start_at</c>. The grain's first tick
    /// is expected to remove or replace it, as Orleans' one-shot recipe has it.
    /// </summary>
    public static readonly TimeSpan LegacyOneShotPeriod = TimeSpan.FromMinutes(1);

    private readonly FileLayout _layout;
    private readonly FlushScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly Func<bool> _isDisposed;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<(GrainId GrainId, string Name), Row> _rows = [];
    private bool _loaded;
    private Task? _initialLoad;

    internal FileReminderTable(FileLayout layout, FlushScheduler scheduler, ILogger logger, Func<bool> isDisposed)
    {
        _layout = layout;
        _scheduler = scheduler;
        _logger = logger;
        _isDisposed = isDisposed;
    }

    /// <summary>The file of row (<paramref name="grainId"/>, <paramref name="reminderName"/>) (for tools and tests).</summary>
    public string RowPath(GrainId grainId, string reminderName) => _layout.ReminderFile(grainId, reminderName);

    /// <summary>
    /// Checks that the reminder folder can be listed and starts reading every row in the background; returns without
    /// waiting for the rows, as Orleans' reminder service expects (it reads them after the silo started). A damaged
    /// reminder file does not fail the start: the read logs it (naming the file), and every call of the table fails
    /// with it, naming the file, until the file is fixed (each call reads the files again).
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_isDisposed(), this);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(_layout.RemindersRoot))
        {
            // An unreadable folder (permissions, I/O error) still fails the start, as it would fail every read.
            using var entries = Directory.EnumerateFileSystemEntries(_layout.RemindersRoot).GetEnumerator();
            entries.MoveNext();
        }

        _initialLoad ??= Task.Run(LoadInBackgroundAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes once the read started by <see cref="StartAsync"/> ended (it never faults; see the log for its failure).</summary>
    public Task InitialLoad => _initialLoad ?? Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken)
    {
        _layout.ReminderDirectory(grainId);
        return QueryAsync(row => row.Stored!.GrainId == grainId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    /// <summary>
    /// The rows whose grain's uniform hash is in <c>(begin, end]</c>, wrapping around zero when
    /// <paramref name="begin"/> ≥ <paramref name="end"/> (equal bounds select the whole ring).
    /// </summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) =>
        QueryAsync(row => InRange(row.Hash, begin, end), cancellationToken);

    /// <inheritdoc />
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    /// <summary>The row, or null when there is none.</summary>
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        _layout.ReminderFile(grainId, reminderName);
        await EnterAsync(cancellationToken);
        try
        {
            return _rows.TryGetValue((grainId, reminderName), out var row) ? row.Stored?.ToEntry() : null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    /// <summary>
    /// Inserts or replaces the row (unconditionally, as Orleans' contract has it: <see cref="ReminderEntry.ETag"/> is
    /// ignored) and returns its new ETag once the file is durable. The period must be positive: Orleans' reminder
    /// service cannot schedule a row with period 0 and fails every read of the range that holds one.
    /// </summary>
    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.ReminderName, nameof(entry));
        var path = _layout.ReminderFile(entry.GrainId, entry.ReminderName);
        if (entry.Period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Period,
                $"The reminder {path} needs a positive period (Orleans cannot schedule {entry.Period}); for a one-shot reminder, remove it in its first tick.");
        }

        await EnterAsync(cancellationToken);
        try
        {
            var key = (entry.GrainId, entry.ReminderName);
            _rows.TryGetValue(key, out var known);
            var version = (known?.Version ?? 0) + 1;
            var stored = new StoredReminder(entry.GrainId, entry.ReminderName, ToUtc(entry.StartAt), entry.Period, FormatVersion(version));
            var content = Render(stored, version);
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
                // The rename may or may not have happened: read the files again next time.
                _loaded = false;
                throw;
            }

            _rows[key] = new Row(version, entry.GrainId.GetUniformHashCode(), stored);
            return stored.ETag;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    /// <summary>Removes the row if its ETag is <paramref name="eTag"/>; false when it is missing or has another ETag.</summary>
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        var path = _layout.ReminderFile(grainId, reminderName);
        await EnterAsync(cancellationToken);
        try
        {
            var key = (grainId, reminderName);
            if (!_rows.TryGetValue(key, out var known) || known.Stored is null || !string.Equals(known.Stored.ETag, eTag, StringComparison.Ordinal))
            {
                return false;
            }

            await DeleteAsync(path);
            _rows[key] = known with { Stored = null };
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    /// <summary>Removes every row (their versions are kept, so old ETags stay stale).</summary>
    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            foreach (var (key, row) in _rows.Where(pair => pair.Value.Stored is not null).ToList())
            {
                await DeleteAsync(_layout.ReminderFile(key.GrainId, key.Name));
                _rows[key] = row with { Stored = null };
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task LoadInBackgroundAsync()
    {
        try
        {
            await EnterAsync(CancellationToken.None);
            _lock.Release();
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            _logger.LogErrorRemindersUnreadable(_layout.RemindersRoot, ex);
        }
    }

    /// <summary>Whether <paramref name="hash"/> lies in Orleans' ring range <c>(begin, end]</c> (wrapping when begin ≥ end).</summary>
    internal static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private async Task DeleteAsync(string path)
    {
        try
        {
            await _scheduler.RunAsync(() =>
            {
                DurableFiles.Delete(path);
                var grainDirectory = Path.GetDirectoryName(path)!;
                DurableFiles.TryRemoveEmptyDirectory(grainDirectory);
                DurableFiles.TryRemoveEmptyDirectory(Path.GetDirectoryName(grainDirectory)!);
            }, CancellationToken.None, path);
        }
        catch
        {
            _loaded = false;
            throw;
        }
    }

    private async Task<ReminderTableData> QueryAsync(Func<Row, bool> predicate, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            return new ReminderTableData(_rows.Values
                .Where(row => row.Stored is not null && predicate(row))
                .Select(row => row.Stored!.ToEntry()));
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
                if (row.Stored is null && !rows.ContainsKey(key))
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

                    var grainId = GrainId.Create(type, key);
                    rows[(grainId, name)] = Parse(file, grainId, name, _logger);
                }
            }
        }

        return rows;
    }

    private static Row Parse(string path, GrainId grainId, string name, ILogger logger)
    {
        var text = System.IO.File.ReadAllText(path, Encoding.UTF8);
        var document = ReminderDocument.TryParseSimple(text) ?? StateYaml.Deserialize<ReminderDocument>(text, path);
        if (document.Version < 1)
        {
            throw new StorageCorruptedException($"{path}: the file has no 'version' (a positive number).", path, null);
        }

        var startAt = ParseTime(document.StartAt, "start_at", path);
        var period = ParsePeriod(document.Period, path);
        if (period == TimeSpan.Zero)
        {
            logger.LogWarningLegacyOneShotReminder(path, LegacyOneShotPeriod);
            period = LegacyOneShotPeriod;
        }

        var stored = new StoredReminder(grainId, name, startAt, period, FormatVersion(document.Version));
        return new Row(document.Version, grainId.GetUniformHashCode(), stored);
    }

    private static DateTime ParseTime(string? text, string field, string path) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new StorageCorruptedException($"{path}: '{field}' is missing or not a timestamp ('{text}').", path, null);

    private static TimeSpan ParsePeriod(string? text, string path) =>
        TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new StorageCorruptedException($"{path}: 'period' is missing or not a duration like 00:05:00 ('{text}').", path, null);

    private static byte[] Render(StoredReminder row, long version)
    {
        var document = new ReminderDocument
        {
            Version = version,
            Grain = row.GrainId.ToString(),
            Name = row.Name,
            StartAt = row.StartAt.ToString(TimestampFormat, CultureInfo.InvariantCulture),
            Period = row.Period.ToString("c", CultureInfo.InvariantCulture),
        };
        var text = $"# Duragent reminder '{row.Name}' of {row.GrainId}.\n# Written atomically by Duragent; 'version' is the row's ETag. Edit only while the silo is stopped.\n"
            + StateYaml.Serializer.Serialize(document);
        return Encoding.UTF8.GetBytes(text);
    }

    // Orleans keeps StartAt in UTC; a local time is converted, an unspecified one is taken as UTC.
    private static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    // A row as stored; ReminderEntry is mutable, so every read hands out a fresh copy.
    private sealed record StoredReminder(GrainId GrainId, string Name, DateTime StartAt, TimeSpan Period, string ETag)
    {
        public ReminderEntry ToEntry() => new()
        {
            GrainId = GrainId,
            ReminderName = Name,
            StartAt = StartAt,
            Period = Period,
            ETag = ETag,
        };
    }

    // The last version of a row (kept after removal) and, while it exists, the row itself.
    private sealed record Row(long Version, uint Hash, StoredReminder? Stored);
}

/// <summary>The shape of a reminder file.</summary>
internal sealed class ReminderDocument
{
    /// <summary>
    /// Reads a file of the shape this table writes (comment lines, then <c>key: value</c> lines with plain values)
    /// without the YAML library, ~10 times faster, which counts when a workspace holds 10,000 rows; null for anything
    /// else (quotes, blocks, indentation, flow collections, a number that is not plain digits…), which the YAML reader
    /// then reads, so a hand-edited file means what YAML says it means.
    /// </summary>
    public static ReminderDocument? TryParseSimple(string text)
    {
        var document = new ReminderDocument();
        var seen = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range].TrimEnd('\r');
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0 || !IsSimpleKey(line[..colon]))
            {
                return null;
            }

            var value = line[(colon + 2)..].Trim(' ');
            if (!IsSimpleValue(value))
            {
                return null;
            }

            var bit = line[..colon] switch
            {
                "version" => 1,
                "grain" => 2,
                "name" => 4,
                "start_at" => 8,
                "period" => 16,
                _ => 0,
            };
            if ((seen & bit) != 0)
            {
                // A key given twice: YAML's reader decides what that means.
                return null;
            }

            seen |= bit;
            switch (line[..colon])
            {
                case "version":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                    {
                        return null;
                    }

                    document.Version = version;
                    break;
                case "grain":
                    document.Grain = value.ToString();
                    break;
                case "name":
                    document.Name = value.ToString();
                    break;
                case "start_at":
                    document.StartAt = value.ToString();
                    break;
                case "period":
                    document.Period = value.ToString();
                    break;
            }
        }

        return document;
    }

    private static bool IsSimpleKey(ReadOnlySpan<char> key)
    {
        foreach (var c in key)
        {
            if (c is not ((>= 'a' and <= 'z') or '_'))
            {
                return false;
            }
        }

        return true;
    }

    // A plain scalar that YAML reads as the same string: no quoting, no indicator at its start, no comment, no null.
    private static bool IsSimpleValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value is "~" or "null" or "Null" or "NULL" || "'\"[]{}&*!|>%@`#-?:,".Contains(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) || c == '#' || c == '\'' || c == '"')
            {
                return false;
            }
        }

        return !value.Contains(": ", StringComparison.Ordinal) && value[^1] != ':';
    }

    public long Version { get; set; }

    public string? Grain { get; set; }

    public string? Name { get; set; }

    public string? StartAt { get; set; }

    public string? Period { get; set; }
}
