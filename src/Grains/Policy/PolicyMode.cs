namespace Duragent.Policy;

/// <summary>How tool calls that no pattern decides are treated. Serialized <c>dangerous</c>, <c>ask</c>, <c>restrict</c>.</summary>
public enum PolicyMode
{
    /// <summary>Everything not denied runs (the default when no policy file exists).</summary>
    Dangerous = 0,

    /// <summary>Allow-listed calls run; any other call waits for a person's approval.</summary>
    Ask = 1,

    /// <summary>Only allow-listed calls run; any other call is denied.</summary>
    Restrict = 2,
}
