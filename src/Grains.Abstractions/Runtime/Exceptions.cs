namespace Duragent.Runtime;

/// <summary>
/// A storage write or append found that the stored version is not the one the caller read (stale ETag or
/// sequence number). When it escapes a grain call the runtime deactivates that activation, so the next call
/// reloads fresh state. Never retry the same write blindly: re-read and re-decide.
/// </summary>
public class InconsistentStateException : Exception
{
    public InconsistentStateException()
    {
    }

    public InconsistentStateException(string message)
        : base(message)
    {
    }

    public InconsistentStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InconsistentStateException(string message, string? storedVersion, string? currentVersion)
        : base(message)
    {
        StoredVersion = storedVersion;
        CurrentVersion = currentVersion;
    }

    /// <summary>The version found in storage.</summary>
    public string? StoredVersion { get; }

    /// <summary>The version the caller expected.</summary>
    public string? CurrentVersion { get; }
}

/// <summary>
/// A grain call did not complete within its response timeout. The outcome is unknown: the call may still be
/// queued, running, or finished with its reply lost. The runtime never retries.
/// </summary>
public class GrainCallTimeoutException : TimeoutException
{
    public GrainCallTimeoutException()
    {
    }

    public GrainCallTimeoutException(string message)
        : base(message)
    {
    }

    public GrainCallTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A grain could not be activated (its state failed to load or its activate hook threw).</summary>
public class GrainActivationException : Exception
{
    public GrainActivationException()
    {
    }

    public GrainActivationException(string message)
        : base(message)
    {
    }

    public GrainActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The silo is stopping or stopped and accepts no new grain calls.</summary>
public class SiloUnavailableException : Exception
{
    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
