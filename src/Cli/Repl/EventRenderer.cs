using System.Collections.Concurrent;
using System.Text.Json;
using Duragent.Cli.Output;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Cli.Repl;

/// <summary>
/// Prints session events compactly: the assistant's text as it streams, tool calls and results on one line each
/// (<c>⚙ bash: ls -la</c>, <c>✓ 12 lines</c>, <c>✗ exit 2</c>), pauses, cancellations and errors. Messages this
/// client sent are not echoed; messages from other clients are.
/// </summary>
internal sealed class EventRenderer(ReplScreen screen)
{
    private const int ToolLineWidth = 160;

    private readonly ConcurrentDictionary<string, byte> _ownMessages = new(StringComparer.Ordinal);
    private string? _streamKey;
    private string _streamed = string.Empty;

    /// <summary>Marks a <c>client_message_id</c> as sent here, so its <c>user_message</c> is not printed again.</summary>
    public void ExpectOwnMessage(string clientMessageId) => _ownMessages.TryAdd(clientMessageId, 0);

    public void Render(SessionEventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        switch (envelope.Event)
        {
            case UserMessage message:
                if (message.ClientMessageId is null || !_ownMessages.ContainsKey(message.ClientMessageId))
                {
                    var from = message.SenderName ?? message.SenderId ?? message.Source;
                    screen.WriteLine($"> {message.Content}" + (from is null ? string.Empty : $"  ({from})"), ReplStyle.Dim);
                }

                break;
            case TurnStarted { Resumed: true }:
                screen.WriteLine("[turn resumed]", ReplStyle.Dim);
                break;
            case LlmCallStarted started:
                var key = $"{started.TurnId}/{started.Iteration}";
                if (key == _streamKey && _streamed.Length > 0)
                {
                    // The call is made again (retry, or a restart during the call): its text starts over.
                    screen.WriteLine("[the model call starts again]", ReplStyle.Dim);
                }

                _streamKey = key;
                _streamed = string.Empty;
                break;
            case AssistantDelta delta:
                StartStream(delta.TurnId, delta.Iteration);
                _streamed += delta.Text;
                screen.Write(delta.Text);
                break;
            case AssistantMessage message:
                StartStream(message.TurnId, message.Iteration);
                if (message.Content.StartsWith(_streamed, StringComparison.Ordinal))
                {
                    screen.Write(message.Content[_streamed.Length..]);
                }
                else
                {
                    screen.EndLine();
                    screen.Write(message.Content);
                }

                screen.EndLine();
                if (message.Interrupted)
                {
                    screen.WriteLine("[reply interrupted]", ReplStyle.Dim);
                }

                _streamed = string.Empty;
                _streamKey = null;
                break;
            case LlmCallFailed { WillRetry: true } failed:
                // A final failure is reported by the error event that ends the turn.
                screen.WriteLine($"[model error: {failed.Message}; retrying]", ReplStyle.Warning);
                break;
            case ToolCallRequested call:
                screen.WriteLine($"⚙ {call.Tool}: {Names.OneLine(call.Command ?? CompactArguments(call.Arguments), ToolLineWidth)}", ReplStyle.Accent);
                break;
            case ApprovalRequired approval:
                screen.WriteLine($"? {approval.Tool} needs your approval to run: {approval.Command}", ReplStyle.Warning);
                break;
            case ApprovalDecided decided:
                screen.WriteLine(decided.Decision switch
                {
                    ApprovalChoice.AllowOnce => "  allowed once",
                    ApprovalChoice.AllowAlways => "  allowed always",
                    _ => "  denied",
                } + (decided.DecidedBy is { } by ? $" ({by})" : string.Empty), ReplStyle.Dim);
                break;
            case ToolFinished finished:
                screen.WriteLine("  " + ToolResult(finished), finished.Status == ToolOutcome.Ok ? ReplStyle.Success : ReplStyle.Error);
                break;
            case ToolInterrupted interrupted:
                screen.WriteLine($"  ✗ interrupted: {interrupted.Reason}", ReplStyle.Error);
                break;
            case TurnCompleted { Outcome: TurnOutcome.Cancelled }:
                screen.WriteLine("[cancelled]", ReplStyle.Warning);
                break;
            case TurnCompleted { Outcome: TurnOutcome.MaxIterations } completed:
                screen.WriteLine($"[stopped: {completed.Error ?? "tool iteration limit reached"}]", ReplStyle.Warning);
                break;
            case StatusChanged { To: SessionStatus.Paused } paused:
                screen.WriteLine($"[paused{(paused.Reason is { } reason ? ": " + reason : string.Empty)}] Type /resume to continue.", ReplStyle.Warning);
                break;
            case StatusChanged { To: SessionStatus.Completed } completed:
                screen.WriteLine($"[session ended{(completed.Reason is { } endReason ? ": " + endReason : string.Empty)}]", ReplStyle.Warning);
                break;
            case SessionError error:
                screen.WriteLine($"error: {error.Message}", ReplStyle.Error);
                break;
        }
    }

    /// <summary><c>✓ 12 lines</c>, <c>✗ exit 2</c>, <c>⊘ denied</c>, …</summary>
    internal static string ToolResult(ToolFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        return finished.Status switch
        {
            ToolOutcome.Ok => "✓ " + Lines(finished.Content) + (finished.Truncated ? " (truncated)" : string.Empty),
            ToolOutcome.Error when finished.ExitCode is { } code => $"✗ exit {code}",
            ToolOutcome.Error => "✗ " + Names.OneLine(FirstLine(finished.Content), ToolLineWidth),
            ToolOutcome.Denied => "⊘ denied",
            ToolOutcome.Skipped => "↷ skipped",
            ToolOutcome.Timeout => "✗ timed out",
            _ => finished.Status.ToString(),
        };
    }

    private void StartStream(string turnId, int iteration)
    {
        var key = $"{turnId}/{iteration}";
        if (key != _streamKey)
        {
            _streamKey = key;
            _streamed = string.Empty;
        }
    }

    private static string Lines(string content)
    {
        var trimmed = content.TrimEnd('\n');
        if (trimmed.Length == 0)
        {
            return "done";
        }

        var count = trimmed.Count(c => c == '\n') + 1;
        return Names.Count(count, "line");
    }

    private static string FirstLine(string content)
    {
        var trimmed = content.Trim();
        var newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline];
    }

    // {"command":"ls -la"} → ls -la; other objects → k=v pairs; anything else as sent.
    private static string CompactArguments(string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return arguments;
            }

            var properties = document.RootElement.EnumerateObject().ToList();
            if (properties.Count == 1 && properties[0].Value.ValueKind == JsonValueKind.String)
            {
                return properties[0].Value.GetString()!;
            }

            return string.Join(' ', properties.Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
        }
        catch (JsonException)
        {
            return arguments;
        }
    }
}
