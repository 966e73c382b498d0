using Duragent.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Llm;

/// <summary>Provider resolution and configuration errors.</summary>
public sealed class LlmClientFactoryTests
{
    [Theory]
    [InlineData(LlmProviders.OpenAi, LlmProviders.OpenAiKeyVariable)]
    [InlineData(LlmProviders.OpenRouter, LlmProviders.OpenRouterKeyVariable)]
    [InlineData(LlmProviders.Anthropic, LlmProviders.AnthropicKeyVariable)]
    public void Create_WithoutApiKey_NamesTheVariableAndTheAgent(string provider, string variable)
    {
        using var kit = new LlmTestKit(environment: new FakeEnvironment());

        var error = Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings(provider, "m") { AgentName = "x" }));

        Assert.Equal($"{variable} is not set; the agent 'x' uses provider {provider}", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void Create_WithBlankApiKey_TreatsItAsMissing()
    {
        using var kit = new LlmTestKit(environment: new FakeEnvironment().Set(LlmProviders.OpenAiKeyVariable, "  "));

        Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings("openai", "gpt-4o")));
    }

    [Fact]
    public void Create_WithNamedKeyVariableUnset_NamesThatVariable()
    {
        using var kit = new LlmTestKit(environment: new FakeEnvironment().Set(LlmProviders.OpenAiKeyVariable, "k"));

        var error = Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(
            new LlmModelSettings(LlmProviders.OpenAiCompatible, "m") { BaseUrl = "http://127.0.0.1:1/v1", ApiKeyEnv = "VLLM_KEY", AgentName = "x" }));

        Assert.Equal("VLLM_KEY is not set; the agent 'x' uses provider openai-compatible", error.Message);
    }

    [Fact]
    public void Create_UnknownProvider_ListsTheKnownOnes()
    {
        using var kit = new LlmTestKit();

        var error = Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings("gemini", "g") { AgentName = "x" }));

        Assert.Equal(
            "unknown LLM provider 'gemini' for the agent 'x'; known providers: openai, openrouter, ollama, anthropic, openai-compatible",
            error.Message);
    }

    [Fact]
    public void Create_OpenAiCompatibleWithoutBaseUrl_Fails()
    {
        using var kit = new LlmTestKit();

        var error = Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings(LlmProviders.OpenAiCompatible, "m")));

        Assert.Contains("base_url", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.org")]
    [InlineData("/relative/v1")]
    public void Create_BadBaseUrl_Fails(string baseUrl)
    {
        using var kit = new LlmTestKit();

        var error = Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings("openai", "m") { BaseUrl = baseUrl }));

        Assert.Contains(baseUrl, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithoutModelName_Fails()
    {
        using var kit = new LlmTestKit();

        Assert.Throws<LlmConfigurationException>(() => kit.Factory.Create(new LlmModelSettings("openai", " ")));
    }

    [Theory]
    [InlineData("OpenAI", "openai")]
    [InlineData(" anthropic ", "anthropic")]
    [InlineData("ollama", "ollama")]
    public void Create_NormalisesTheProviderName(string given, string expected)
    {
        using var kit = new LlmTestKit();

        Assert.Equal(expected, kit.Factory.Create(new LlmModelSettings(given, "m")).Provider);
    }

    [Fact]
    public void AddDuragentLlm_WorksOnABareServiceCollection()
    {
        using var services = new ServiceCollection()
            .AddDuragentLlm()
            .BuildServiceProvider();

        var factory = services.GetRequiredService<ILlmClientFactory>();

        Assert.Equal(LlmProviders.Ollama, factory.Create(new LlmModelSettings("ollama", "llama3.1")).Provider);
    }

    [Fact]
    public void ClientToString_RedactsTheKey()
    {
        using var kit = new LlmTestKit();

        var text = kit.Factory.Create(new LlmModelSettings("anthropic", "claude")).ToString()!;

        Assert.DoesNotContain(LlmTestKit.AnthropicKey, text, StringComparison.Ordinal);
        Assert.Contains("https://api.anthropic.com", text, StringComparison.Ordinal);
        Assert.Contains("***", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_AreValidatedWhenTheFactoryIsResolved()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new LlmTestKit(options => options.MaxAttempts = 0));

        Assert.Equal("LLM options: MaxAttempts must be at least 1 (was 0).", error.Message);
    }
}
