using Duragent.Agents.Templates;

namespace Duragent.Cli.Commands;

/// <summary>Writes template files under a directory, never overwriting, and reports what it created and skipped.</summary>
internal static class Scaffolder
{
    /// <summary>Creates <paramref name="directories"/> and writes <paramref name="files"/> under <paramref name="root"/>.</summary>
    public static ScaffoldResult Write(string root, IEnumerable<string> directories, IEnumerable<TemplateFile> files)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var created = new List<string>();
        var skipped = new List<string>();
        foreach (var directory in directories)
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        foreach (var file in files)
        {
            var path = Path.Combine(root, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                // CreateNew: an existing file is never touched, even if it appeared after a check.
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
                writer.Write(file.Content);
                created.Add(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                skipped.Add(path);
            }
        }

        return new ScaffoldResult(created, skipped);
    }
}

/// <summary>The files a scaffold wrote and the ones it left alone because they existed.</summary>
internal sealed record ScaffoldResult(IReadOnlyList<string> Created, IReadOnlyList<string> Skipped)
{
    public void WriteTo(TextWriter writer, string relativeTo)
    {
        foreach (var path in Created)
        {
            writer.WriteLine($"  created  {Path.GetRelativePath(relativeTo, path)}");
        }

        foreach (var path in Skipped)
        {
            writer.WriteLine($"  skipped  {Path.GetRelativePath(relativeTo, path)} (exists)");
        }
    }
}
