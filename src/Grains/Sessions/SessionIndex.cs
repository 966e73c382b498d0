using System.Collections.Concurrent;
using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Sessions;

/// <summary>
/// The default <see cref="ISessionIndex"/>: summaries kept in memory, filled on the first listing from the stored
/// snapshots (so start-up never reads sessions) and kept current by the session grains.
/// </summary>
public sealed partial class SessionIndex(IGrainCatalog catalog, [FromKeyedServices(SessionGrain.StorageName)] IGrainStorage storage, ILogger<SessionIndex> logger) : ISessionIndex
{
    private readonly ConcurrentDictionary<string, SessionInfo> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _removed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private volatile bool _loaded;

    public async Task<IReadOnlyList<SessionInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        if (!_loaded)
        {
            await LoadAsync(cancellationToken);
        }

        return _sessions.Values.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.SessionId, StringComparer.Ordinal).ToList();
    }

    public void Update(SessionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        _removed.TryRemove(info.SessionId, out _);
        _sessions[info.SessionId] = info;
    }

    public void Remove(string sessionId)
    {
        _removed[sessionId] = 0;
        _sessions.TryRemove(sessionId, out _);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _loadGate.WaitAsync(cancellationToken);
        try
        {
            if (_loaded)
            {
                return;
            }

            await foreach (var key in catalog.ListKeysAsync(SessionGrain.GrainTypeName, cancellationToken))
            {
                if (_sessions.ContainsKey(key) || _removed.ContainsKey(key) || !GrainKey.IsValid(key))
                {
                    continue;
                }

                var state = new GrainState<SessionState>();
                try
                {
                    await storage.ReadStateAsync(SessionGrain.StateName, GrainId.Create(SessionGrain.GrainTypeName, key), state, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One unreadable snapshot must not hide the other sessions; the session itself reports the error when used.
                    LogUnreadable(logger, ex, key);
                    continue;
                }

                if (state.RecordExists && state.State is { Exists: true })
                {
                    _sessions.TryAdd(key, state.State.ToInfo(key));
                }
            }

            _loaded = true;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "The snapshot of session {SessionId} could not be read; the session is left out of the list")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string sessionId);
}
