namespace Duragent.Llm;

/// <summary>Creates LLM clients from model settings.</summary>
public interface ILlmClientFactory
{
    /// <summary>
    /// A client for <paramref name="settings"/>. Throws <see cref="LlmConfigurationException"/> for an unknown
    /// provider, a missing API key (the message names the environment variable) or a bad base URL.
    /// </summary>
    ILlmClient Create(LlmModelSettings settings);
}
