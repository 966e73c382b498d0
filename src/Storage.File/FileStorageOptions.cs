namespace Duragent.Storage.File;

/// <summary>Options of the file storage provider (<see cref="FileStorageProvider"/>).</summary>
public sealed class FileStorageOptions
{
    /// <summary>Flush threads: 16 by default.</summary>
    public const int DefaultFlushThreads = 16;

    /// <summary>The sync strategy: <see cref="FileSyncStrategy.SyncFsWhenBusy"/> by default.</summary>
    public const FileSyncStrategy DefaultSyncStrategy = FileSyncStrategy.SyncFsWhenBusy;

    /// <summary>Dirty logs that switch a flush to one <c>syncfs</c>: 8 by default.</summary>
    public const int DefaultSyncFsMinDirtyLogs = 8;

    /// <summary>Event logs kept open at once: 256 by default.</summary>
    public const int DefaultMaxOpenLogs = 256;

    /// <summary>The folder of grains of type <c>session</c>: <c>sessions</c>.</summary>
    public const string SessionFolder = "sessions";

    /// <summary>The folder of grains of type <c>schedule</c>: <c>schedules</c>.</summary>
    public const string ScheduleFolder = "schedules";

    /// <summary>The folder under which other grain types get a folder named after the type: <c>grains</c>.</summary>
    public const string OtherGrainsFolder = "grains";

    /// <summary>The folder of reminder rows: <c>reminders</c>.</summary>
    public const string RemindersFolder = "reminders";

    /// <summary>The lock file that keeps a second silo out of the workspace: <c>silo.lock</c>.</summary>
    public const string LockFileName = "silo.lock";

    /// <summary>
    /// The name the provider's grain storage is registered under besides Orleans' <c>Default</c>:
    /// <c>[PersistentState("state", "file")]</c> picks it explicitly.
    /// </summary>
    public const string StorageName = "file";

    /// <summary>
    /// The storage root: the workspace's <c>.duragent</c> directory. Required. Created if missing.
    /// </summary>
    public string RootDirectory { get; set; } = "";

    /// <summary>
    /// Grain type → folder (relative to <see cref="RootDirectory"/>, <c>/</c>-separated). Types not listed live in
    /// <c>grains/&lt;type&gt;</c>. By default <c>session</c> → <c>sessions</c> and <c>schedule</c> → <c>schedules</c>.
    /// </summary>
    public Dictionary<string, string> TypeFolders { get; } = new(StringComparer.Ordinal)
    {
        ["session"] = SessionFolder,
        ["schedule"] = ScheduleFolder,
    };

    /// <summary>
    /// Dedicated threads that write and fsync event logs and state files (fsync blocks a thread; these keep it off
    /// the thread pool). Flushes of different logs run on them in parallel. 16 by default (<see cref="DefaultFlushThreads"/>).
    /// </summary>
    public int FlushThreads { get; set; } = DefaultFlushThreads;

    /// <summary>How appends are made durable. <see cref="FileSyncStrategy.SyncFsWhenBusy"/> by default (<see cref="DefaultSyncStrategy"/>).</summary>
    public FileSyncStrategy SyncStrategy { get; set; } = DefaultSyncStrategy;

    /// <summary>
    /// With <see cref="FileSyncStrategy.SyncFsWhenBusy"/>: the number of logs waiting for a flush at which one
    /// <c>syncfs</c> replaces per-file <c>fdatasync</c>. 8 by default (<see cref="DefaultSyncFsMinDirtyLogs"/>).
    /// </summary>
    public int SyncFsMinDirtyLogs { get; set; } = DefaultSyncFsMinDirtyLogs;

    /// <summary>
    /// Event logs kept in memory with an open file handle; the least recently used idle ones are closed beyond
    /// this. 256 by default (<see cref="DefaultMaxOpenLogs"/>).
    /// </summary>
    public int MaxOpenLogs { get; set; } = DefaultMaxOpenLogs;

    /// <summary>The folder of <paramref name="grainType"/>, relative to the root, <c>/</c>-separated.</summary>
    public string FolderOf(string grainType) =>
        TypeFolders.TryGetValue(grainType, out var folder) ? folder : OtherGrainsFolder + "/" + grainType;

    /// <summary>Returns the problems with these options (empty when valid), each naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(RootDirectory))
        {
            problems.Add("File storage: RootDirectory is required (the workspace's .duragent directory).");
        }

        if (FlushThreads is < 1 or > 1024)
        {
            problems.Add($"File storage: FlushThreads must be between 1 and 1024 (got {FlushThreads}).");
        }

        if (SyncFsMinDirtyLogs < 2)
        {
            problems.Add($"File storage: SyncFsMinDirtyLogs must be at least 2 (got {SyncFsMinDirtyLogs}).");
        }

        if (MaxOpenLogs < 1)
        {
            problems.Add($"File storage: MaxOpenLogs must be at least 1 (got {MaxOpenLogs}).");
        }

        if (!Enum.IsDefined(SyncStrategy))
        {
            problems.Add($"File storage: SyncStrategy '{SyncStrategy}' is not defined.");
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, folder) in TypeFolders)
        {
            if (GrainKey.Check(type) is { } typeProblem)
            {
                problems.Add($"File storage: TypeFolders has an invalid grain type '{type}': {typeProblem}.");
            }

            if (FileLayout.CheckFolder(folder) is { } folderProblem)
            {
                problems.Add($"File storage: TypeFolders['{type}'] = '{folder}' is invalid: {folderProblem}.");
            }
            else if (!seen.TryAdd(folder, type))
            {
                problems.Add($"File storage: TypeFolders maps both '{seen[folder]}' and '{type}' to '{folder}'.");
            }
        }

        return problems;
    }
}
