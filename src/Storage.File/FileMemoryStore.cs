using System.Globalization;
using System.Text;
using Duragent.Memory;

namespace Duragent.Storage.File;

/// <summary>
/// <see cref="IMemoryStore"/> in plain Markdown files a person can read and edit: <c>&lt;agents&gt;/&lt;agent&gt;/memory/MEMORY.md</c>,
/// <c>&lt;agents&gt;/&lt;agent&gt;/memory/daily/YYYY-MM-DD.md</c> and <c>&lt;world&gt;/&lt;topic&gt;.md</c>. Replacements are
/// atomic (temp file, fsync, rename, fsync of the directory); daily entries are appended and fsynced.
/// </summary>
public sealed class FileMemoryStore : IMemoryStore
{
    private const string MemoryDirectoryName = IMemoryStore.MemoryDirectoryName;
    private const string CuratedFileName = IMemoryStore.CuratedFileName;
    private const string DailyDirectoryName = IMemoryStore.DailyDirectoryName;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public FileMemoryStore(string agentsDirectory, string worldDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentsDirectory);
        ArgumentException.ThrowIfNullOrEmpty(worldDirectory);
        AgentsDirectory = Path.GetFullPath(agentsDirectory);
        WorldDirectory = Path.GetFullPath(worldDirectory);
    }

    /// <summary>The agents directory; each agent's memory is below its own directory.</summary>
    public string AgentsDirectory { get; }

    /// <summary>The world memory directory (<c>world_memory.path</c>).</summary>
    public string WorldDirectory { get; }

    /// <summary>The full path of the memory file a <see cref="MemoryDocument.Location"/> of <paramref name="agent"/> names.</summary>
    public string PathOf(string agent, string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.StartsWith("world/", StringComparison.Ordinal)
            ? Path.Combine(WorldDirectory, location["world/".Length..])
            : Path.Combine(AgentHome(agent), location);
    }

    public Task<MemoryDocument?> ReadCuratedAsync(string agent, CancellationToken cancellationToken = default) =>
        Task.Run(() => ReadText(CuratedPath(agent)) is { } text ? Curated(text) : null, cancellationToken);

    public Task<MemoryDocument> WriteCuratedAsync(string agent, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = CuratedPath(agent);
        return Task.Run(
            () =>
            {
                WriteText(path, content);
                return Curated(content);
            },
            cancellationToken);
    }

    public Task<MemoryDocument?> ReadDailyAsync(string agent, DateOnly day, CancellationToken cancellationToken = default)
    {
        var path = DailyPath(agent, day);
        return Task.Run(() => ReadText(path) is { } text ? Daily(day, text) : null, cancellationToken);
    }

    public Task<MemoryDocument> AppendDailyAsync(string agent, DateOnly day, string entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = DailyPath(agent, day);
        return Task.Run(
            () =>
            {
                AppendText(path, $"# {DayName(day)}\n", entry);
                return Daily(day, ReadText(path) ?? string.Empty);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<DateOnly>> ListDailyAsync(string agent, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(AgentHome(agent), MemoryDirectoryName, DailyDirectoryName);
        return Task.Run<IReadOnlyList<DateOnly>>(
            () =>
            {
                if (!Directory.Exists(directory))
                {
                    return [];
                }

                var days = new List<DateOnly>();
                foreach (var file in Directory.EnumerateFiles(directory, "*.md"))
                {
                    if (DateOnly.TryParseExact(Path.GetFileNameWithoutExtension(file), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    {
                        days.Add(day);
                    }
                }

                days.Sort();
                return days;
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<MemoryDocument>> ListWorldAsync(CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<MemoryDocument>>(
            () =>
            {
                if (!Directory.Exists(WorldDirectory))
                {
                    return [];
                }

                var topics = new List<MemoryDocument>();
                foreach (var file in Directory.EnumerateFiles(WorldDirectory, "*.md"))
                {
                    var name = Path.GetFileNameWithoutExtension(file);

                    // Temp files of an interrupted replace start with a dot; they are not topics.
                    if (!name.StartsWith('.') && ReadText(file) is { } text)
                    {
                        topics.Add(World(name, text));
                    }
                }

                topics.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                return topics;
            },
            cancellationToken);

    public Task<MemoryDocument> WriteWorldAsync(string topic, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!MemoryTopics.TryNormalize(topic, out var name, out var problem) || name != topic)
        {
            throw new ArgumentException(problem.Length > 0 ? problem : $"The topic '{topic}' is not normalized (expected '{name}').", nameof(topic));
        }

        var path = Path.Combine(WorldDirectory, name + ".md");
        return Task.Run(
            () =>
            {
                WriteText(path, content);
                return World(name, content);
            },
            cancellationToken);
    }

    private string AgentHome(string agent)
    {
        // Names reach here from grain keys; a store must still never be talked into a path outside its directory.
        if (!GrainKey.IsValid(agent))
        {
            throw new ArgumentException($"'{agent}' is not a valid agent name.", nameof(agent));
        }

        return Path.Combine(AgentsDirectory, agent);
    }

    private string CuratedPath(string agent) => Path.Combine(AgentHome(agent), MemoryDirectoryName, CuratedFileName);

    private string DailyPath(string agent, DateOnly day) => Path.Combine(AgentHome(agent), MemoryDirectoryName, DailyDirectoryName, DayName(day) + ".md");

    private static string DayName(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static MemoryDocument Curated(string text) => new(CuratedFileName, $"{MemoryDirectoryName}/{CuratedFileName}", text);

    private static MemoryDocument Daily(DateOnly day, string text) =>
        new(DayName(day), $"{MemoryDirectoryName}/{DailyDirectoryName}/{DayName(day)}.md", text);

    private static MemoryDocument World(string topic, string text) => new(topic, $"world/{topic}.md", text);

    // The file provider's durable primitives: atomic replace, directories fsynced up to the root that holds them.
    private void WriteText(string path, string text)
    {
        DurableFiles.EnsureDirectory(Path.GetDirectoryName(path)!, RootOf(path));
        DurableFiles.WriteAtomic(path, Utf8.GetBytes(text));
    }

    // Appends and fsyncs; a new file's directory entry is fsynced too, and a new (or empty) file starts with the header.
    private void AppendText(string path, string header, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        DurableFiles.EnsureDirectory(directory, RootOf(path));
        bool created;
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            created = stream.Length == 0;
            stream.Write(Utf8.GetBytes(created ? header + text : text));
            stream.Flush(flushToDisk: true);
        }

        if (created)
        {
            NativeIo.FlushDirectory(directory);
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return System.IO.File.ReadAllText(path, Utf8);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string RootOf(string path) => path.StartsWith(WorldDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? WorldDirectory : AgentsDirectory;
}
