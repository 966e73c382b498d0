using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Llm;

/// <summary>
/// Resolves model settings into a client: the provider's wire format, base URL and API key (read from the
/// environment through <see cref="IEnvironmentVariables"/>). Every client shares one pooled HTTP handler.
/// </summary>
internal sealed class LlmClientFactory(
    LlmHttpClient http,
    IOptions<LlmOptions> options,
    IEnvironmentVariables environment,
    TimeProvider time,
    ILoggerFactory loggers) : ILlmClientFactory
{
    private readonly ILogger _logger = loggers.CreateLogger("Duragent.Llm");

    public ILlmClient Create(LlmModelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var provider = settings.Provider?.Trim().ToLowerInvariant() ?? string.Empty;
        var agent = settings.AgentName is { Length: > 0 } name ? $"the agent '{name}'" : "the agent";
        if (string.IsNullOrWhiteSpace(settings.Model))
        {
            throw new LlmConfigurationException($"{agent} sets no model name (spec.model.name) for provider '{settings.Provider}'")
            {
                Provider = provider,
            };
        }

        var (defaultBase, keyVariable, keyRequired) = provider switch
        {
            LlmProviders.OpenAi => (LlmProviders.OpenAiBaseUrl, LlmProviders.OpenAiKeyVariable, true),
            LlmProviders.OpenRouter => (LlmProviders.OpenRouterBaseUrl, LlmProviders.OpenRouterKeyVariable, true),
            LlmProviders.Anthropic => (LlmProviders.AnthropicBaseUrl, LlmProviders.AnthropicKeyVariable, true),
            LlmProviders.Ollama => (LlmProviders.OllamaBaseUrl, null, false),
            LlmProviders.OpenAiCompatible => (null, null, false),
            _ => throw new LlmConfigurationException(
                $"unknown LLM provider '{settings.Provider}' for {agent}; known providers: {string.Join(", ", LlmProviders.Known)}"),
        };

        var baseUri = ParseBaseUrl(settings.BaseUrl ?? defaultBase, provider, agent);
        keyVariable = string.IsNullOrWhiteSpace(settings.ApiKeyEnv) ? keyVariable : settings.ApiKeyEnv.Trim();
        string? apiKey = null;
        if (keyVariable is not null)
        {
            apiKey = environment.Get(keyVariable);
            if (string.IsNullOrWhiteSpace(apiKey))
            {
                // A variable the agent names explicitly must be set, whatever the provider.
                if (keyRequired || !string.IsNullOrWhiteSpace(settings.ApiKeyEnv))
                {
                    throw new LlmConfigurationException($"{keyVariable} is not set; {agent} uses provider {provider}")
                    {
                        Provider = provider,
                    };
                }

                apiKey = null;
            }
        }

        var value = options.Value;
        var timeout = settings.Timeout ?? value.RequestTimeout;
        var idle = settings.IdleTimeout ?? value.IdleTimeout;
        if (timeout <= TimeSpan.Zero || idle <= TimeSpan.Zero)
        {
            throw new LlmConfigurationException($"{agent}: the LLM timeouts must be positive (timeout {timeout}, idle {idle})")
            {
                Provider = provider,
            };
        }

        var endpoint = new LlmEndpoint(
            provider, settings.Model, baseUri, apiKey, timeout, idle, settings.Temperature, settings.MaxOutputTokens, settings.AgentName)
        {
            ExtraHeaders = provider == LlmProviders.OpenRouter ? OpenRouterHeaders(value) : [],
        };

        return provider == LlmProviders.Anthropic
            ? new AnthropicClient(endpoint, http.Client, value, time, _logger)
            : new OpenAiCompatibleClient(endpoint, http.Client, value, time, _logger);
    }

    private static Uri ParseBaseUrl(string? baseUrl, string provider, string agent)
    {
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            throw new LlmConfigurationException($"{agent} uses provider {provider}, which needs spec.model.base_url")
            {
                Provider = provider,
            };
        }

        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new LlmConfigurationException($"{agent}: spec.model.base_url '{baseUrl}' is not an absolute http(s) URL")
            {
                Provider = provider,
            };
        }

        return uri;
    }

    private static KeyValuePair<string, string>[] OpenRouterHeaders(LlmOptions options)
    {
        var headers = new List<KeyValuePair<string, string>>(2);
        if (!string.IsNullOrWhiteSpace(options.OpenRouterReferer))
        {
            headers.Add(new("HTTP-Referer", options.OpenRouterReferer));
        }

        if (!string.IsNullOrWhiteSpace(options.OpenRouterTitle))
        {
            headers.Add(new("X-Title", options.OpenRouterTitle));
        }

        return [.. headers];
    }
}
