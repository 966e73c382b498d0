using Duragent.Llm;

namespace Duragent.Context;

/// <summary>
/// The last resort of a long agent loop: when the loop's messages exceed what the window allows, the oldest iterations
/// are dropped whole. An iteration is an assistant message with tool calls plus everything after it up to the next
/// such message (its results and any steering message). Messages before the first iteration are kept, and so is the
/// newest iteration, whatever its size.
/// </summary>
public static class IterationTrimmer
{
    /// <summary><paramref name="loopMessages"/> without its oldest iterations, so it fits <paramref name="maxTokens"/> where possible.</summary>
    public static (IReadOnlyList<ChatMessage> Messages, int DroppedIterations) Trim(IReadOnlyList<ChatMessage> loopMessages, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(loopMessages);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var total = TokenEstimator.Estimate(loopMessages);
        if (total <= maxTokens)
        {
            return (loopMessages, 0);
        }

        var starts = new List<int>();
        for (var i = 0; i < loopMessages.Count; i++)
        {
            if (loopMessages[i].Role == ChatRole.Assistant && loopMessages[i].ToolCalls.Count > 0)
            {
                starts.Add(i);
            }
        }

        var dropped = 0;
        while (total > maxTokens && dropped < starts.Count - 1)
        {
            var end = starts[dropped + 1];
            for (var i = starts[dropped]; i < end; i++)
            {
                total -= TokenEstimator.Estimate(loopMessages[i]);
            }

            dropped++;
        }

        if (dropped == 0)
        {
            return (loopMessages, 0);
        }

        var kept = new List<ChatMessage>(loopMessages.Count);
        kept.AddRange(loopMessages.Take(starts[0]));
        kept.AddRange(loopMessages.Skip(starts[dropped]));
        return (kept, dropped);
    }
}
