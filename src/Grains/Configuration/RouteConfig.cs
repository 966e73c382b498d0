namespace Duragent.Configuration;

/// <summary>One entry of <c>routes</c>: which agent answers the gateway messages that match.</summary>
public sealed record RouteConfig
{
    /// <summary>The conditions; all given ones must hold. An empty match matches every message.</summary>
    public RouteMatch Match { get; init; } = new();

    /// <summary>The agent that answers.</summary>
    public required string Agent { get; init; }
}

/// <summary><c>routes[].match</c>. Null conditions are not checked.</summary>
public sealed record RouteMatch
{
    /// <summary>The gateway name (case-insensitive): <c>telegram</c>, <c>discord</c> or an external name.</summary>
    public string? Gateway { get; init; }

    /// <summary>The chat type (case-insensitive), e.g. <c>dm</c>, <c>private</c>, <c>group</c>.</summary>
    public string? ChatType { get; init; }

    /// <summary>The chat id (exact).</summary>
    public string? ChatId { get; init; }

    /// <summary>The sender id (exact).</summary>
    public string? SenderId { get; init; }
}
