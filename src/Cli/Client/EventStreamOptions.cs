namespace Duragent.Cli.Client;

/// <summary>How <see cref="ServerConnection.StreamEventsAsync"/> reads a session's live stream.</summary>
internal sealed class EventStreamOptions
{
    /// <summary>The first reconnection delay: 200 ms by default.</summary>
    public const int DefaultInitialRetryDelayMs = 200;

    /// <summary>The longest reconnection delay: 2 seconds by default.</summary>
    public const int DefaultMaxRetryDelayMs = 2000;

    /// <summary>Replay events with a larger seq first ; 0 replays everything.</summary>
    public long AfterSeq { get; init; }

    /// <summary>Open the stream as an interactive client (counts for <c>on_disconnect</c>); false for observers.</summary>
    public bool Attach { get; init; } = true;

    /// <summary>Reconnections tried in a row before giving up; null (the default) retries until cancelled.</summary>
    public int? MaxReconnectAttempts { get; init; }

    /// <summary>The first reconnection delay; 200 ms by default, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(DefaultInitialRetryDelayMs);

    /// <summary>The longest reconnection delay; 2 seconds by default.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMilliseconds(DefaultMaxRetryDelayMs);

    /// <summary>Called when the connection dropped or could not be opened, with the cause and the attempt number (1, 2, …).</summary>
    public Action<Exception, int>? OnDisconnected { get; init; }

    /// <summary>Called when a stream opened again after <see cref="OnDisconnected"/>.</summary>
    public Action? OnReconnected { get; init; }
}
