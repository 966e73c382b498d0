using Duragent.Agents;
using System.Globalization;
using System.Text;

namespace Duragent.Context;

/// <summary>
/// Shortens a tool result longer than the agent's <c>max_tool_result_tokens</c>, keeping the head, the tail or both
/// (half each), and says what was kept in a note such as <c>[truncated: kept first ~8000 of ~20000 tokens (head)]</c>.
/// Cuts fall on UTF-8 character boundaries. The truncated text is what gets recorded and sent.
/// </summary>
public static class ToolResultTruncator
{
    /// <summary>
    /// <paramref name="content"/> unchanged when it fits <paramref name="maxTokens"/>, otherwise the kept part(s)
    /// with the note.
    /// </summary>
    public static string Truncate(string content, int maxTokens, ToolResultTruncation mode)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        var total = TokenEstimator.Estimate(content);
        if (total <= maxTokens)
        {
            return content;
        }

        var bytes = Encoding.UTF8.GetBytes(content);
        var keepBytes = (long)maxTokens * 4;
        switch (mode)
        {
            case ToolResultTruncation.Head:
            {
                var head = Head(bytes, (int)Math.Min(keepBytes, bytes.Length));
                return Invariant($"{head}\n\n[truncated: kept first ~{TokenEstimator.Estimate(head)} of ~{total} tokens (head)]");
            }

            case ToolResultTruncation.Tail:
            {
                var tail = Tail(bytes, (int)Math.Min(keepBytes, bytes.Length));
                return Invariant($"[truncated: kept last ~{TokenEstimator.Estimate(tail)} of ~{total} tokens (tail)]\n\n{tail}");
            }

            case ToolResultTruncation.Both:
            {
                var half = (int)Math.Min(keepBytes / 2, bytes.Length / 2);
                var head = Head(bytes, half);
                var tail = Tail(bytes, half);
                var kept = TokenEstimator.Estimate(head) + TokenEstimator.Estimate(tail);
                return Invariant(
                    $"{head}\n\n[truncated: kept first ~{TokenEstimator.Estimate(head)} and last ~{TokenEstimator.Estimate(tail)} of ~{total} tokens (both); ~{Math.Max(0, total - kept)} tokens omitted here]\n\n{tail}");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown truncation mode");
        }
    }

    private static string Head(byte[] bytes, int count)
    {
        // Back off to the start of a character: UTF-8 continuation bytes look like 10xxxxxx.
        while (count > 0 && count < bytes.Length && (bytes[count] & 0xC0) == 0x80)
        {
            count--;
        }

        return Encoding.UTF8.GetString(bytes, 0, count);
    }

    private static string Tail(byte[] bytes, int count)
    {
        var start = bytes.Length - count;
        while (start < bytes.Length && (bytes[start] & 0xC0) == 0x80)
        {
            start++;
        }

        return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
