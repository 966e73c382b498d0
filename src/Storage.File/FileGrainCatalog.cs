using System.Runtime.CompilerServices;

namespace Duragent.Storage.File;

/// <summary>
/// Lists stored grains of a type: the directory names under the type's folder that hold a state file or an
/// event log. Names that are not valid keys (hand-made folders) are skipped.
/// </summary>
public sealed class FileGrainCatalog : IGrainCatalog
{
    private readonly FileLayout _layout;
    private readonly Func<bool> _isDisposed;

    internal FileGrainCatalog(FileLayout layout, Func<bool> isDisposed)
    {
        _layout = layout;
        _isDisposed = isDisposed;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListKeysAsync(string grainType, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_isDisposed(), this);
        var typeDirectory = _layout.TypeDirectory(grainType);
        if (!Directory.Exists(typeDirectory))
        {
            yield break;
        }

        await Task.Yield();
        foreach (var directory in Directory.EnumerateDirectories(typeDirectory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetFileName(directory);
            if (GrainKey.IsValid(key) && HoldsGrainData(directory))
            {
                yield return key;
            }
        }
    }

    private static bool HoldsGrainData(string directory) =>
        System.IO.File.Exists(Path.Combine(directory, FileLayout.StateFileName))
        || System.IO.File.Exists(Path.Combine(directory, FileLayout.EventsFileName))
        || Directory.EnumerateFiles(directory, "*" + FileLayout.StateFileSuffix).Any(path => FileLayout.IsStateFileName(Path.GetFileName(path)));
}
