using Duragent.FakeLlm;
using Duragent.Llm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Duragent.Grains.Tests.Llm;

/// <summary>A fake environment: the API keys a test sets, nothing else.</summary>
internal sealed class FakeEnvironment : IEnvironmentVariables
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public FakeEnvironment Set(string name, string value)
    {
        _values[name] = value;
        return this;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);
}

/// <summary>Collects log lines so tests can check what was (and was not) logged.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>The production LLM stack wired as the host wires it, with fast retries and a controllable environment.</summary>
internal sealed class LlmTestKit : IDisposable
{
    public const string OpenAiKey = "sk-test-openai-1234567890";
    public const string AnthropicKey = "sk-ant-test-0987654321";
    public const string OpenRouterKey = "sk-or-test-5555";

    private readonly ServiceProvider _services;

    public LlmTestKit(Action<LlmOptions>? configure = null, FakeEnvironment? environment = null)
    {
        Environment = environment ?? new FakeEnvironment()
            .Set(LlmProviders.OpenAiKeyVariable, OpenAiKey)
            .Set(LlmProviders.AnthropicKeyVariable, AnthropicKey)
            .Set(LlmProviders.OpenRouterKeyVariable, OpenRouterKey);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        services.AddSingleton<IEnvironmentVariables>(Environment);
        services.AddDuragentLlm(options =>
        {
            options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
            options.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(options);
        });
        _services = services.BuildServiceProvider();
        Factory = _services.GetRequiredService<ILlmClientFactory>();
    }

    public FakeEnvironment Environment { get; }

    public ListLoggerProvider Logs { get; } = new();

    public ILlmClientFactory Factory { get; }

    /// <summary>A client of <paramref name="provider"/> pointed at the fake server.</summary>
    public ILlmClient Client(FakeLlmServer llm, string provider, Func<LlmModelSettings, LlmModelSettings>? adjust = null)
    {
        var settings = new LlmModelSettings(provider, provider == LlmProviders.Anthropic ? "claude-test" : "gpt-test")
        {
            AgentName = "tester",
            BaseUrl = provider == LlmProviders.Anthropic ? llm.AnthropicBaseUrl : llm.OpenAiBaseUrl,
        };
        return Factory.Create(adjust is null ? settings : adjust(settings));
    }

    public void Dispose() => _services.Dispose();

    public static LlmRequest Request(params ChatMessage[] messages) =>
        new(messages.Length == 0 ? [ChatMessage.User("hi")] : messages);

    /// <summary>Runs a call to the end: the deltas in order and the completion.</summary>
    public static async Task<(List<string> Deltas, LlmCompleted Completed)> CollectAsync(
        ILlmClient client, LlmRequest request, CancellationToken cancellationToken = default)
    {
        var deltas = new List<string>();
        LlmCompleted? completed = null;
        await foreach (var streamEvent in client.StreamAsync(request, cancellationToken))
        {
            switch (streamEvent)
            {
                case LlmTextDelta delta:
                    Assert.Null(completed);
                    deltas.Add(delta.Text);
                    break;
                case LlmCompleted done:
                    Assert.Null(completed);
                    completed = done;
                    break;
            }
        }

        Assert.NotNull(completed);
        return (deltas, completed);
    }

    /// <summary>Runs a call expected to fail; returns the exception and the deltas seen before it.</summary>
    public static async Task<(TException Error, List<string> Deltas)> FailAsync<TException>(
        ILlmClient client, LlmRequest request, CancellationToken cancellationToken = default)
        where TException : Exception
    {
        var deltas = new List<string>();
        var error = await Assert.ThrowsAsync<TException>(async () =>
        {
            await foreach (var streamEvent in client.StreamAsync(request, cancellationToken))
            {
                if (streamEvent is LlmTextDelta delta)
                {
                    deltas.Add(delta.Text);
                }
            }
        });
        return (error, deltas);
    }
}
