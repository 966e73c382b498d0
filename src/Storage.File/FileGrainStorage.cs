using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Duragent.Storage.File;

/// <summary>
/// Orleans grain storage in YAML files: <c>&lt;grain dir&gt;/state.yaml</c> for the record named <c>state</c>,
/// <c>&lt;grain dir&gt;/&lt;name&gt;.state.yaml</c> otherwise, where the grain dir comes from the grain type and key
/// (<see cref="FileLayout"/>; both must be valid <see cref="GrainKey"/>s). Each file holds <c>version</c> (the ETag) and
/// <c>state</c>. Writes are atomic (temp file, fsync, rename, directory fsync) and conditional on the ETag; a stale one
/// throws Orleans' <see cref="InconsistentStateException"/>.
/// </summary>
/// <remarks>
/// The provider is the workspace's only writer (the lock file), so it caches each record's version and does not
/// re-read a file to check an ETag. The cache keeps a cleared record's last version, so a record written again
/// after a clear continues from it and an ETag from before the clear can never match by accident.
/// </remarks>
public sealed class FileGrainStorage : IGrainStorage
{
    private const int StripeCount = 64;

    private readonly FileLayout _layout;
    private readonly FlushScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly Func<bool> _isDisposed;
    private readonly IActivatorProvider _activators;
    private readonly ConcurrentDictionary<string, RecordVersion> _versions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim[] _stripes;

    internal FileGrainStorage(FileLayout layout, FlushScheduler scheduler, ILogger logger, IActivatorProvider activators, Func<bool> isDisposed)
    {
        _layout = layout;
        _scheduler = scheduler;
        _logger = logger;
        _activators = activators;
        _isDisposed = isDisposed;
        _stripes = new SemaphoreSlim[StripeCount];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <summary>The file of record (<paramref name="grainId"/>, <paramref name="stateName"/>) (for tools and tests).</summary>
    public string StatePath(GrainId grainId, string stateName) => _layout.StateFile(grainId, stateName);

    /// <inheritdoc />
    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = Resolve(grainId, stateName);
        var stripe = StripeOf(path);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            foreach (var temp in DurableFiles.DeleteStrayTemps(Path.GetDirectoryName(path)!, Path.GetFileName(path)))
            {
                _logger.LogWarningStrayTempDeleted(temp);
            }

            string text;
            try
            {
                text = await System.IO.File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                _versions.AddOrUpdate(path, static _ => new RecordVersion(false, 0), static (_, known) => known with { Exists = false });
                grainState.State = NewState<TState>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return;
            }

            var document = StateYaml.Deserialize<StateDocument<TState>>(text, path);
            if (document.Version < 1)
            {
                throw new StorageCorruptedException($"{path}: the file has no 'version' (a positive number).", path, null);
            }

            _versions[path] = new RecordVersion(true, document.Version);
            grainState.State = document.State is null ? NewState<TState>() : document.State;
            grainState.ETag = FormatVersion(document.Version);
            grainState.RecordExists = true;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <inheritdoc />
    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = Resolve(grainId, stateName);
        var stripe = StripeOf(path);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var known = await KnownVersionAsync(path, cancellationToken);
            CheckETag(path, "write", known, grainState.ETag);
            var version = known.Version + 1;
            var content = Render(grainId, stateName, version, grainState.State is null ? NewState<TState>() : grainState.State);
            var directory = Path.GetDirectoryName(path)!;
            try
            {
                await _scheduler.RunAsync(() =>
                {
                    DurableFiles.EnsureDirectory(directory, _layout.Root);
                    DurableFiles.WriteAtomic(path, content);
                }, CancellationToken.None, path);
                _scheduler.Health.ReportSuccess();
            }
            catch
            {
                // The rename may or may not have happened: read the file again next time.
                _versions.TryRemove(path, out _);
                throw;
            }

            _versions[path] = new RecordVersion(true, version);
            grainState.ETag = FormatVersion(version);
            grainState.RecordExists = true;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <inheritdoc />
    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = Resolve(grainId, stateName);
        var stripe = StripeOf(path);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var known = await KnownVersionAsync(path, cancellationToken);
            CheckETag(path, "clear", known, grainState.ETag);
            if (known.Exists)
            {
                try
                {
                    await _scheduler.RunAsync(() =>
                    {
                        DurableFiles.Delete(path);

                        // The grain's folder goes with its last file (a deleted session leaves nothing behind).
                        DurableFiles.TryRemoveEmptyDirectory(Path.GetDirectoryName(path)!);
                    }, CancellationToken.None, path);
                }
                catch
                {
                    _versions.TryRemove(path, out _);
                    throw;
                }
            }

            _versions[path] = known with { Exists = false };
            grainState.State = NewState<TState>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        finally
        {
            stripe.Release();
        }
    }

    private static void CheckETag(string path, string operation, RecordVersion known, string? eTag)
    {
        var matches = eTag is null
            ? !known.Exists
            : known.Exists && long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) && expected == known.Version;
        if (!matches)
        {
            var stored = known.Exists ? FormatVersion(known.Version) : null;
            throw new InconsistentStateException(
                $"Cannot {operation} {path}: the caller's ETag is {eTag ?? "null (no record)"} but the stored version is {stored ?? "none (no record)"}.",
                stored, eTag);
        }
    }

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static byte[] Render<TState>(GrainId grainId, string stateName, long version, TState state)
    {
        var builder = new StringBuilder(1024);
        builder.Append("# Duragent grain state of ").Append(grainId.ToString()).Append(", record '").Append(stateName)
            .Append("'.\n# Written atomically by Duragent; 'version' is the record's ETag. Edit only while the silo is stopped.\n");
        builder.Append(StateYaml.Serializer.Serialize(new StateDocument<TState> { Version = version, State = state }));
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    // A missing record reads as a fresh state, made the way Orleans makes one (its activator runs the constructor).
    private TState NewState<TState>() => _activators.GetActivator<TState>().Create();

    private string Resolve(GrainId grainId, string stateName)
    {
        ObjectDisposedException.ThrowIf(_isDisposed(), this);
        ArgumentNullException.ThrowIfNull(stateName);
        return _layout.StateFile(grainId, stateName);
    }

    private SemaphoreSlim StripeOf(string path) =>
        _stripes[(uint)StringComparer.Ordinal.GetHashCode(path) % StripeCount];

    private async Task<RecordVersion> KnownVersionAsync(string path, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue(path, out var known))
        {
            return known;
        }

        string text;
        try
        {
            text = await System.IO.File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return _versions.GetOrAdd(path, new RecordVersion(false, 0));
        }

        var header = StateYaml.Deserialize<StateHeader>(text, path);
        if (header.Version < 1)
        {
            throw new StorageCorruptedException($"{path}: the file has no 'version' (a positive number).", path, null);
        }

        return _versions[path] = new RecordVersion(true, header.Version);
    }

    private readonly record struct RecordVersion(bool Exists, long Version);
}

/// <summary>The shape of a state file.</summary>
internal sealed class StateDocument<TState>
{
    public long Version { get; set; }

    public TState? State { get; set; }
}

/// <summary>Just the version of a state file.</summary>
internal sealed class StateHeader
{
    public long Version { get; set; }
}
