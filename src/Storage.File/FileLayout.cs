using Orleans.Runtime;

namespace Duragent.Storage.File;

/// <summary>
/// Maps grain ids, state names and reminder names to paths under the storage root. Every name is checked with
/// <see cref="GrainKey"/> before it becomes part of a path, and every resolved path is checked to stay under the root.
/// </summary>
internal sealed class FileLayout
{
    public const string StateFileName = "state.yaml";
    public const string StateFileSuffix = ".state.yaml";
    public const string EventsFileName = "events.jsonl";
    public const string ArchiveFileName = "events.archive.jsonl";
    public const string ReminderFileSuffix = ".yaml";
    public const string TempSuffix = ".tmp";

    private static readonly string[] s_reservedFirstSegments = [FileStorageOptions.RemindersFolder, FileStorageOptions.OtherGrainsFolder];

    private readonly FileStorageOptions _options;
    private readonly string _rootWithSeparator;

    public FileLayout(FileStorageOptions options)
    {
        _options = options;
        Root = Path.GetFullPath(options.RootDirectory);
        _rootWithSeparator = Path.TrimEndingDirectorySeparator(Root) + Path.DirectorySeparatorChar;
    }

    /// <summary>The absolute storage root.</summary>
    public string Root { get; }

    /// <summary>The lock file.</summary>
    public string LockFile => Path.Combine(Root, FileStorageOptions.LockFileName);

    /// <summary>The folder of reminder rows.</summary>
    public string RemindersRoot => Path.Combine(Root, FileStorageOptions.RemindersFolder);

    /// <summary>Returns null when <paramref name="folder"/> is a valid type folder, otherwise what is wrong.</summary>
    public static string? CheckFolder(string? folder)
    {
        if (string.IsNullOrEmpty(folder))
        {
            return "the folder is empty";
        }

        var segments = folder.Split('/');
        foreach (var segment in segments)
        {
            if (GrainKey.Check(segment) is { } problem)
            {
                return $"segment '{segment}': {problem}";
            }
        }

        if (s_reservedFirstSegments.Contains(segments[0], StringComparer.Ordinal))
        {
            return $"'{segments[0]}/' is reserved by the provider";
        }

        return null;
    }

    /// <summary>The absolute folder holding every grain of <paramref name="grainType"/>.</summary>
    public string TypeDirectory(string grainType)
    {
        GrainKey.Validate(grainType, "grain type");
        return UnderRoot(Path.Combine(Root, _options.FolderOf(grainType).Replace('/', Path.DirectorySeparatorChar)));
    }

    /// <summary>The absolute folder of one grain: <c>&lt;root&gt;/&lt;type folder&gt;/&lt;key&gt;</c>.</summary>
    public string GrainDirectory(GrainId grainId)
    {
        var (type, key) = Names(grainId);
        return UnderRoot(Path.Combine(TypeDirectory(type), key));
    }

    /// <summary>
    /// The grain type and key of <paramref name="grainId"/> as path segments, each checked with <see cref="GrainKey"/>
    /// (an Orleans key may hold any characters; only those that are valid keys are stored).
    /// </summary>
    /// <exception cref="ArgumentException">The id is empty, or its type or key is not a valid <see cref="GrainKey"/>.</exception>
    public static (string Type, string Key) Names(GrainId grainId)
    {
        if (grainId.IsDefault)
        {
            throw new ArgumentException("The grain id is empty (default(GrainId)).", nameof(grainId));
        }

        return (GrainKey.Validate(grainId.Type.ToString(), "grain type"), GrainKey.Validate(grainId.Key.ToString()));
    }

    /// <summary>The state file of record (<paramref name="grainId"/>, <paramref name="stateName"/>).</summary>
    public string StateFile(GrainId grainId, string stateName)
    {
        GrainKey.Validate(stateName, "state name");
        var fileName = stateName == "state" ? StateFileName : stateName + StateFileSuffix;
        return UnderRoot(Path.Combine(GrainDirectory(grainId), fileName));
    }

    /// <summary>The event log of a grain.</summary>
    public string EventsFile(GrainId grainId) => Path.Combine(GrainDirectory(grainId), EventsFileName);

    /// <summary>The event archive of a grain.</summary>
    public string ArchiveFile(GrainId grainId) => Path.Combine(GrainDirectory(grainId), ArchiveFileName);

    /// <summary>The folder of one grain's reminders: <c>&lt;root&gt;/reminders/&lt;type&gt;/&lt;key&gt;</c>.</summary>
    public string ReminderDirectory(GrainId grainId)
    {
        var (type, key) = Names(grainId);
        return UnderRoot(Path.Combine(RemindersRoot, type, key));
    }

    /// <summary>The file of one reminder row: <c>&lt;root&gt;/reminders/&lt;type&gt;/&lt;key&gt;/&lt;name&gt;.yaml</c>.</summary>
    public string ReminderFile(GrainId grainId, string name)
    {
        GrainKey.Validate(name, "reminder name");
        return UnderRoot(Path.Combine(ReminderDirectory(grainId), name + ReminderFileSuffix));
    }

    /// <summary>True when <paramref name="fileName"/> names a state file (<c>state.yaml</c> or <c>&lt;name&gt;.state.yaml</c>).</summary>
    public static bool IsStateFileName(string fileName) =>
        fileName == StateFileName
        || (fileName.EndsWith(StateFileSuffix, StringComparison.Ordinal)
            && GrainKey.IsValid(fileName[..^StateFileSuffix.Length]));

    /// <summary>A fresh temp file name next to <paramref name="path"/>: <c>&lt;file&gt;.&lt;random&gt;.tmp</c>.</summary>
    public static string TempFileFor(string path) =>
        path + "." + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 6)) + TempSuffix;

    private string UnderRoot(string path)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The path '{full}' resolves outside the storage root '{Root}'.", nameof(path));
        }

        return full;
    }
}
