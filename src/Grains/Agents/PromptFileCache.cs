using System.Collections.Concurrent;

namespace Duragent.Agents;

/// <summary>
/// Texts of Markdown files read for the system prompt at every LLM call (directives, <c>AGENTS.md</c>), re-read only
/// when a file's size or last-write time changed: a directory listing and a <c>stat</c> per file, no file watching.
/// Thread-safe; entries are immutable and swapped whole.
/// </summary>
public sealed class PromptFileCache
{
    /// <summary>The most text kept of one file: 64 KiB characters (the rest is cut with a note).</summary>
    public const int MaxFileLength = 64 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _files = new(StringComparer.Ordinal);

    /// <summary>The text of <paramref name="path"/>; null when it does not exist or cannot be read.</summary>
    public string? Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                _files.TryRemove(path, out _);
                return null;
            }

            if (_files.TryGetValue(path, out var cached) && cached.Length == info.Length && cached.LastWriteUtc == info.LastWriteTimeUtc)
            {
                return cached.Text;
            }

            var text = File.ReadAllText(path);
            if (text.Length > MaxFileLength)
            {
                text = text[..MaxFileLength] + $"\n[… cut: {path} is longer than {MaxFileLength} characters]";
            }

            _files[path] = new Entry(info.Length, info.LastWriteTimeUtc, text);
            return text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Every readable <c>*.md</c> file of <paramref name="directory"/> (not below it), sorted by file name (ordinal).</summary>
    public IReadOnlyList<PromptFile> ReadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var files = new List<PromptFile>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(directory, "*.md").Order(StringComparer.Ordinal))
            {
                if (!Path.GetFileName(path).StartsWith('.') && Read(path) is { } text)
                {
                    files.Add(new PromptFile(path, text));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The directory went away while it was listed: what was read is what there is.
        }

        return files;
    }

    private sealed record Entry(long Length, DateTime LastWriteUtc, string Text);
}
