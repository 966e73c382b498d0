namespace Duragent.Configuration;

/// <summary>The <c>services</c> section of <c>duragent.yaml</c>.</summary>
public sealed record ServicesConfig
{
    /// <summary><c>services.session</c>.</summary>
    public SessionServiceConfig Session { get; init; } = new();
}

/// <summary>The <c>services.session</c> section.</summary>
public sealed record SessionServiceConfig
{
    /// <summary>Where sessions are stored (full path); <c>{workspace}/sessions</c> when null.</summary>
    public string? Path { get; init; }
}
