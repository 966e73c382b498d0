using Duragent.Llm;

namespace Duragent.Context;

/// <summary>
/// In a long agent loop, replaces the content of older tool results with <c>[result masked — ~N tokens removed]</c>,
/// keeping the first <c>keep_first</c> and the last <c>keep_last</c> results whole. The model keeps the calls and
/// sees that results existed; the loop stays within budget. The agent loop applies it from its second iteration on.
/// </summary>
public static class ToolResultMasker
{
    /// <summary>The start every masked result begins with.</summary>
    public const string MaskPrefix = "[result masked";

    /// <summary>The masked content for a result of <paramref name="tokens"/> tokens.</summary>
    public static string MaskFor(int tokens) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{MaskPrefix} — ~{tokens} tokens removed]");

    /// <summary>
    /// <paramref name="loopMessages"/> with the tool results between the first <paramref name="keepFirst"/> and the
    /// last <paramref name="keepLast"/> masked. Other messages, and results masked before, are left as they are.
    /// </summary>
    public static IReadOnlyList<ChatMessage> Mask(IReadOnlyList<ChatMessage> loopMessages, int keepFirst, int keepLast)
    {
        ArgumentNullException.ThrowIfNull(loopMessages);
        ArgumentOutOfRangeException.ThrowIfNegative(keepFirst);
        ArgumentOutOfRangeException.ThrowIfNegative(keepLast);
        var results = 0;
        foreach (var message in loopMessages)
        {
            if (message.Role == ChatRole.Tool)
            {
                results++;
            }
        }

        if (results <= keepFirst + keepLast)
        {
            return loopMessages;
        }

        var masked = new List<ChatMessage>(loopMessages.Count);
        var position = 0;
        foreach (var message in loopMessages)
        {
            if (message.Role != ChatRole.Tool)
            {
                masked.Add(message);
                continue;
            }

            var keep = position < keepFirst || position >= results - keepLast
                || message.Content.StartsWith(MaskPrefix, StringComparison.Ordinal);
            masked.Add(keep ? message : message with { Content = MaskFor(TokenEstimator.Estimate(message.Content)) });
            position++;
        }

        return masked;
    }
}
