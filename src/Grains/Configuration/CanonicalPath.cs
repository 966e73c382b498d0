namespace Duragent.Configuration;

/// <summary>
/// The canonical form of a path: absolute, without <c>.</c>/<c>..</c> or a trailing separator, and with every
/// symbolic link on the existing part resolved. Two spellings of the same directory give the same text, so
/// their workspace hashes match; a directory that does not exist yet still gets a stable answer.
/// </summary>
internal static class CanonicalPath
{
    private const int MaxLinkDepth = 40;

    public static string Get(string path) => Get(path, 0);

    private static string Get(string path, int depth)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        foreach (var part in parts)
        {
            var next = Path.Combine(current, part);
            if (depth < MaxLinkDepth && TryReadLink(next) is { } target)
            {
                next = Get(Path.GetFullPath(target, current), depth + 1);
            }

            current = next;
        }

        return current.Length == 0 ? full : current;
    }

    private static string? TryReadLink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists || Directory.Exists(path) ? info.LinkTarget : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
