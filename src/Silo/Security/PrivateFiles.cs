using System.Runtime.Versioning;

namespace Duragent.Security;

/// <summary>
/// Files only the workspace's owner may read: the runtime folder is created with mode 0700 and each credential file
/// with 0600, written to a temporary file in the same folder (already 0600 when it is created, so the secret is never
/// readable by others, not even for a moment), flushed to disk and renamed over the old one. A runtime folder the owner
/// opened to a group on purpose (<c>chmod 750</c>, see docs/operations.md) stays as it is, and new files get group
/// read (0640) there too.
/// </summary>
public static class PrivateFiles
{
    /// <summary>0700.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0600.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="directory"/> (and missing parents) with mode 0700 when it does not exist.</summary>
    public static void EnsureDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (Directory.Exists(directory))
        {
            return;
        }

        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory));
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, mode 0600 (0640 in a group-readable folder).</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(path)!;
        EnsureDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = ModeFor(directory);
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The mode of <paramref name="path"/> as an octal string (<c>600</c>), for messages and tests; null on Windows.</summary>
    public static string? DescribeMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        return Convert.ToString((int)File.GetUnixFileMode(path), 8);
    }

    [UnsupportedOSPlatform("windows")]
    private static UnixFileMode ModeFor(string directory) =>
        (File.GetUnixFileMode(directory) & UnixFileMode.GroupRead) != 0 ? SecretMode | UnixFileMode.GroupRead : SecretMode;
}
