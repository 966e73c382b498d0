namespace Duragent.Llm;

/// <summary>
/// Where and how one client calls: the resolved base URL, credential and timeouts. The API key never leaves this
/// class through <see cref="ToString"/>.
/// </summary>
internal sealed class LlmEndpoint(
    string provider,
    string model,
    Uri baseUri,
    string? apiKey,
    TimeSpan timeout,
    TimeSpan idleTimeout,
    double? temperature,
    int? maxOutputTokens,
    string? agentName)
{
    public string Provider { get; } = provider;

    public string Model { get; } = model;

    public Uri BaseUri { get; } = baseUri;

    public string? ApiKey { get; } = apiKey;

    public TimeSpan Timeout { get; } = timeout;

    public TimeSpan IdleTimeout { get; } = idleTimeout;

    public double? Temperature { get; } = temperature;

    public int? MaxOutputTokens { get; } = maxOutputTokens;

    public string? AgentName { get; } = agentName;

    /// <summary>Extra headers sent with every request (OpenRouter's attribution headers).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders { get; init; } = [];

    /// <summary>Joins <paramref name="path"/> to the base URL, keeping the base URL's own path.</summary>
    public Uri Resolve(string path)
    {
        var text = BaseUri.AbsoluteUri.TrimEnd('/');
        return new Uri(text + path, UriKind.Absolute);
    }

    public override string ToString() =>
        $"{Provider} {Model} at {BaseUri} (key {(ApiKey is null ? "none" : "***")})";
}
