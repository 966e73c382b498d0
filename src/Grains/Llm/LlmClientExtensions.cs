namespace Duragent.Llm;

/// <summary>Conveniences over <see cref="ILlmClient"/>.</summary>
public static class LlmClientExtensions
{
    /// <summary>
    /// Runs a call to its end and returns the completion, passing each text delta to <paramref name="onDelta"/> (when
    /// given) as it arrives. Failures are thrown as by <see cref="ILlmClient.StreamAsync"/>.
    /// </summary>
    public static async Task<LlmCompleted> CompleteAsync(
        this ILlmClient client, LlmRequest request, Action<LlmTextDelta>? onDelta = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        LlmCompleted? completed = null;
        await foreach (var streamEvent in client.StreamAsync(request, cancellationToken))
        {
            switch (streamEvent)
            {
                case LlmTextDelta delta:
                    onDelta?.Invoke(delta);
                    break;
                case LlmCompleted done:
                    completed = done;
                    break;
            }
        }

        return completed ?? throw new LlmStreamBrokenException($"the {client.Provider} client ended a call without a completion")
        {
            Provider = client.Provider,
        };
    }
}
