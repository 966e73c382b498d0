namespace Duragent.Llm;

/// <summary>Process-wide settings of the LLM clients (<see cref="LlmServiceCollectionExtensions.AddDuragentLlm"/>).</summary>
public sealed class LlmOptions
{
    /// <summary>The default of <see cref="MaxAttempts"/>: 3.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The default of <see cref="ConnectTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="RequestTimeout"/>: 300 seconds.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(300);

    /// <summary>The default of <see cref="IdleTimeout"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The default of <see cref="RetryBaseDelay"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="MaxRetryDelay"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(60);

    /// <summary>HTTP attempts per call, the first included; 3 by default. 1 disables retries.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>How long establishing a TCP/TLS connection may take; 30 seconds by default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>
    /// How long a whole call may take (retries and the full stream); 300 seconds by default. An agent's
    /// <c>llm_timeout_seconds</c> (<see cref="LlmModelSettings.Timeout"/>) overrides it.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>How long the response headers, and then each stream chunk, may keep us waiting; 60 seconds by default.</summary>
    public TimeSpan IdleTimeout { get; set; } = DefaultIdleTimeout;

    /// <summary>The first backoff delay when the provider gave no <c>Retry-After</c>; doubles per attempt; 1 second by default.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = DefaultRetryBaseDelay;

    /// <summary>The longest wait between attempts, <c>Retry-After</c> included; 60 seconds by default.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>OpenRouter's optional <c>HTTP-Referer</c> header (the app's URL); not sent by default.</summary>
    public string? OpenRouterReferer { get; set; }

    /// <summary>OpenRouter's optional <c>X-Title</c> header (the app's name); not sent by default.</summary>
    public string? OpenRouterTitle { get; set; }

    /// <summary>Throws when a value is out of range, naming this component.</summary>
    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new LlmConfigurationException($"LLM options: MaxAttempts must be at least 1 (was {MaxAttempts}).");
        }

        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(RequestTimeout, nameof(RequestTimeout));
        RequirePositive(IdleTimeout, nameof(IdleTimeout));
        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < TimeSpan.Zero)
        {
            throw new LlmConfigurationException("LLM options: RetryBaseDelay and MaxRetryDelay must not be negative.");
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new LlmConfigurationException($"LLM options: {name} must be positive (was {value}).");
        }
    }
}
