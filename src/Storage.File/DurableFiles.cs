namespace Duragent.Storage.File;

/// <summary>
/// Crash-safe file operations: atomic replace (temp file in the same directory, write, fsync, rename over, fsync
/// the directory), durable delete, and directory creation whose new entries are fsynced up to the root.
/// All of them block on fsync; callers run them on the provider's flush threads.
/// </summary>
internal static class DurableFiles
{
    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="content"/>.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var temp = FileLayout.TempFileFor(path);
        try
        {
            using (var handle = System.IO.File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, content, 0);
                RandomAccess.FlushToDisk(handle);
            }

            System.IO.File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        NativeIo.FlushDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Deletes <paramref name="path"/> (if present) and makes the deletion durable. True when a file was deleted.</summary>
    public static bool Delete(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            return false;
        }

        System.IO.File.Delete(path);
        NativeIo.FlushDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and any missing parents below <paramref name="root"/>, fsyncing each
    /// parent whose entries changed so that the new directories survive a power loss.
    /// </summary>
    public static void EnsureDirectory(string directory, string root)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var missing = new Stack<string>();
        for (var current = directory; current is not null && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
            if (string.Equals(current, root, StringComparison.Ordinal))
            {
                break;
            }
        }

        while (missing.TryPop(out var created))
        {
            Directory.CreateDirectory(created);
            var parent = Path.GetDirectoryName(created);
            if (parent is not null)
            {
                NativeIo.FlushDirectory(parent);
            }
        }
    }

    /// <summary>Deletes stray temp files of <paramref name="fileName"/> left in <paramref name="directory"/> by a crash; returns them.</summary>
    public static List<string> DeleteStrayTemps(string directory, string fileName)
    {
        var deleted = new List<string>();
        if (!Directory.Exists(directory))
        {
            return deleted;
        }

        foreach (var temp in Directory.EnumerateFiles(directory, fileName + ".*" + FileLayout.TempSuffix))
        {
            if (TryDelete(temp))
            {
                deleted.Add(temp);
            }
        }

        return deleted;
    }

    /// <summary>Removes <paramref name="directory"/> if it is empty; never throws.</summary>
    public static void TryRemoveEmptyDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
                NativeIo.FlushDirectory(Path.GetDirectoryName(directory)!);
            }
        }
        catch (IOException)
        {
            // Someone wrote a file into it meanwhile; leaving an empty directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            System.IO.File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
