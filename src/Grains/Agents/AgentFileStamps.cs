namespace Duragent.Agents;

/// <summary>
/// Size and last-write time of every file an agent definition was built from (including referenced files that
/// were missing), and the last-write time of directories it listed (skills: a directory's time changes when an entry
/// is added, removed or renamed), taken before the files were read. Comparing them again is a few <c>stat</c> calls, cheap
/// enough to do on every access instead of watching the file system.
/// </summary>
internal sealed class AgentFileStamps
{
    private readonly FileStamp[] _stamps;

    private AgentFileStamps(FileStamp[] stamps)
    {
        _stamps = stamps;
    }

    public IEnumerable<string> Paths => _stamps.Select(s => s.Path);

    /// <summary>True when any file was created, deleted, resized or rewritten since the stamps were taken.</summary>
    public bool HaveChanged()
    {
        foreach (var stamp in _stamps)
        {
            if (FileStamp.Take(stamp.Path) != stamp)
            {
                return true;
            }
        }

        return false;
    }

    internal sealed class Builder
    {
        private readonly Dictionary<string, FileStamp> _stamps = new(StringComparer.Ordinal);

        public void Add(string path) => _stamps.TryAdd(path, FileStamp.Take(path));

        public AgentFileStamps Build() => new([.. _stamps.Values]);
    }

    private readonly record struct FileStamp(string Path, long Length, DateTime LastWriteUtc)
    {
        public static FileStamp Take(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (info.Exists)
                {
                    return new FileStamp(path, info.Length, info.LastWriteTimeUtc);
                }

                var directory = new DirectoryInfo(path);
                return directory.Exists ? new FileStamp(path, -3, directory.LastWriteTimeUtc) : new FileStamp(path, -1, default);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable metadata counts as "changed" next time round only if it becomes readable.
                return new FileStamp(path, -2, default);
            }
        }
    }
}
