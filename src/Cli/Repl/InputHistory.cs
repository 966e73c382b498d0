using System.Text;

namespace Duragent.Cli.Repl;

/// <summary>
/// The REPL's input history: <c>~/.duragent/history</c>, one entry per line, the last 1,000 kept. A file that
/// cannot be read or written only costs the history, never the session.
/// </summary>
internal sealed class InputHistory
{
    /// <summary>Entries kept: 1,000.</summary>
    public const int MaxEntries = 1000;

    private readonly string? _file;
    private readonly List<string> _entries;

    public InputHistory(string? file)
    {
        _file = file;
        _entries = Load(file);
    }

    /// <summary>The default file: <c>~/.duragent/history</c>.</summary>
    public static string DefaultFile =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".duragent", "history");

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Adds a line (not blank, not a repeat of the last one) and saves the file.</summary>
    public void Add(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.Contains('\n', StringComparison.Ordinal) || (_entries.Count > 0 && _entries[^1] == line))
        {
            return;
        }

        _entries.Add(line);
        if (_entries.Count > MaxEntries)
        {
            _entries.RemoveRange(0, _entries.Count - MaxEntries);
        }

        Save();
    }

    private void Save()
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            var temp = _file + ".tmp";
            File.WriteAllLines(temp, _entries, new UTF8Encoding(false));
            File.Move(temp, _file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // History is a convenience.
        }
    }

    private static List<string> Load(string? file)
    {
        if (file is null)
        {
            return [];
        }

        try
        {
            var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
            return lines.Count > MaxEntries ? lines[^MaxEntries..] : lines;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
