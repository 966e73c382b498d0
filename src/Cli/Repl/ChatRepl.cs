using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Cli.Repl;

/// <summary>
/// The interactive loop of <c>chat</c> and <c>attach</c>. One attached SSE stream stays open for the session and
/// prints events as they come (from this client's turns and from anyone else's); each line typed is a
/// <c>POST …/messages</c>, and the next prompt appears when the turn has settled (answered, parked for approval,
/// paused, failed). Ctrl-C during a turn cancels it (twice detaches); Ctrl-C or Ctrl-D at the prompt detaches.
/// </summary>
/// <remarks>
/// The loop reads the session's state from the stream (<see cref="SessionTracker"/>), never from timing: after a
/// message with seq S it waits for a status change above S that is not <c>running</c>. That makes piped input
/// deterministic: <c>printf 'hi\n/exit\n' | duragent chat</c> sends "hi", waits for the answer, then detaches.
/// </remarks>
internal sealed class ChatRepl
{
    private const string Prompt = "> ";
    private const string ApprovalPrompt = "approve> ";
    private const int DefaultHistory = 10;

    private readonly ServerConnection _connection;
    private readonly string _sessionId;
    private readonly ReplScreen _screen;
    private readonly ILineReader _reader;
    private readonly InterruptSource _interrupts;
    private readonly SessionTracker _tracker;
    private readonly EventRenderer _renderer;
    private readonly TaskCompletionSource<Exception> _streamFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _afterSeq;
    private long _interruptsHandled;

    /// <summary>
    /// A REPL on <paramref name="session"/>; the stream replays stored events above <paramref name="afterSeq"/> first
    /// (attach shows a running turn from its start).
    /// </summary>
    public ChatRepl(ServerConnection connection, SessionInfo session, long afterSeq, ReplScreen screen, ILineReader reader, InterruptSource interrupts)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(session);
        _connection = connection;
        _sessionId = session.SessionId;
        _screen = screen;
        _reader = reader;
        _interrupts = interrupts;
        _afterSeq = afterSeq;
        _interruptsHandled = interrupts.Count;
        _tracker = new SessionTracker(session, afterSeq);
        _renderer = new EventRenderer(screen);
    }

    private DuragentClient Client => _connection.Client;

    /// <summary>Runs until the user detaches; <paramref name="resume"/> resumes a paused turn at once.</summary>
    public async Task<int> RunAsync(bool resume, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(_afterSeq, stop.Token), CancellationToken.None);
        try
        {
            var exit = await LoopAsync(resume, stop.Token);
            _screen.EndLine();
            if (exit == ExitCodes.Success)
            {
                _screen.WriteLine($"Session saved. Reattach with: duragent attach {_sessionId}");
            }

            return exit;
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await pump;
            }
            catch (OperationCanceledException)
            {
                // Detached.
            }
        }
    }

    private async Task PumpAsync(long afterSeq, CancellationToken cancellationToken)
    {
        var options = new EventStreamOptions
        {
            AfterSeq = afterSeq,
            Attach = true,
            OnDisconnected = (failure, attempt) =>
            {
                if (attempt == 1)
                {
                    _screen.WriteLine($"[connection to the server lost ({failure.Message}); reconnecting…]", ReplStyle.Warning);
                }
            },
            OnReconnected = () => _screen.WriteLine("[reconnected]", ReplStyle.Dim),
        };
        try
        {
            await foreach (var envelope in _connection.StreamEventsAsync(_sessionId, options, cancellationToken))
            {
                _renderer.Render(envelope);
                _tracker.Apply(envelope);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _tracker.Fail(ex);
            _streamFailed.TrySetResult(ex);
        }
    }

    private async Task<int> LoopAsync(bool resume, CancellationToken cancellationToken)
    {
        // Show the replayed part (a running turn's text so far) before anything else.
        if (await WaitAsync(_tracker.WaitReplayedAsync(cancellationToken), cancelTurn: false, cancellationToken) is { } early)
        {
            return early;
        }

        long? waitAfter = null;
        if (_tracker.Status == SessionStatus.Paused)
        {
            if (resume)
            {
                waitAfter = await ResumeAsync(cancellationToken);
            }
            else
            {
                _screen.WriteLine("The turn is paused. Type /resume to continue it.", ReplStyle.Warning);
            }
        }

        while (true)
        {
            if (waitAfter is not null || !_tracker.IsSettled)
            {
                if (await WaitAsync(_tracker.WaitSettledAsync(waitAfter ?? -1, cancellationToken), cancelTurn: true, cancellationToken) is { } exit)
                {
                    return exit;
                }

                waitAfter = null;
            }

            if (_tracker.Status == SessionStatus.AwaitingApproval && _tracker.PendingApproval is { } approval)
            {
                var decided = await AskApprovalAsync(approval, cancellationToken);
                if (decided is null)
                {
                    return ExitCodes.Success;
                }

                if (_streamFailed.Task.IsCompleted)
                {
                    return StreamFailed(_streamFailed.Task.Result);
                }

                waitAfter = decided;
                continue;
            }

            var line = await ReadLineAsync(Prompt, cancellationToken);
            if (line.Kind != LineKind.Line)
            {
                return _streamFailed.Task.IsCompleted ? StreamFailed(_streamFailed.Task.Result) : ExitCodes.Success;
            }

            var text = line.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal))
            {
                var command = await RunCommandAsync(text, cancellationToken);
                if (command.Detach)
                {
                    return ExitCodes.Success;
                }

                waitAfter = command.WaitAfter;
                continue;
            }

            waitAfter = await SendAsync(text.StartsWith("//", StringComparison.Ordinal) ? text[1..] : text, cancellationToken);
        }
    }

    private async Task<long?> SendAsync(string text, CancellationToken cancellationToken)
    {
        var clientMessageId = Guid.NewGuid().ToString("N");
        _renderer.ExpectOwnMessage(clientMessageId);
        var accepted = await TryAsync(async () =>
        {
            var client = Client;
            try
            {
                return await client.SendMessageAsync(_sessionId, text, clientMessageId, cancellationToken);
            }
            catch (ServerUnavailableException)
            {
                // The server went away: connect again (the workspace's server is started again) and resend. The same
                // client message id makes the retry safe if the first attempt was stored after all.
                await _connection.ReconnectAsync(cancellationToken, client);
                return await Client.SendMessageAsync(_sessionId, text, clientMessageId, cancellationToken);
            }
        });
        return accepted?.Seq;
    }

    // Waits for `task`; Ctrl-C cancels the running turn (cancelTurn) or detaches. Returns an exit code to stop with.
    private async Task<int?> WaitAsync(Task task, bool cancelTurn, CancellationToken cancellationToken)
    {
        var cancelSent = false;
        while (true)
        {
            var interrupt = _interrupts.WaitAsync(_interruptsHandled);
            var done = await Task.WhenAny(task, interrupt);
            if (done == task)
            {
                try
                {
                    await task;
                    return null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return StreamFailed(ex);
                }
            }

            _interruptsHandled++;
            if (!cancelTurn || cancelSent)
            {
                _screen.WriteLine("[detached; the turn goes on without this client]", ReplStyle.Dim);
                return ExitCodes.Success;
            }

            cancelSent = true;
            _screen.WriteLine("[cancelling the turn… Ctrl-C again to detach]", ReplStyle.Dim);
            var cancelled = await TryAsync(async () => (bool?)await Client.CancelTurnAsync(_sessionId, cancellationToken));
            if (cancelled == false)
            {
                _screen.WriteLine("[no turn was running]", ReplStyle.Dim);
            }
        }
    }

    private async Task<LineResult> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var line = _reader.ReadLineAsync(prompt, read.Token);
        var interrupt = _interrupts.WaitAsync(_interruptsHandled);
        var done = await Task.WhenAny(line, interrupt, _streamFailed.Task);
        if (done == line)
        {
            return await line;
        }

        if (done == interrupt)
        {
            _interruptsHandled++;
        }

        await read.CancelAsync();
        try
        {
            await line;
        }
        catch (OperationCanceledException)
        {
            // The editor gave the terminal back.
        }

        return LineResult.Interrupted;
    }

    // Null: detach. Otherwise the seq to wait above for the turn to settle again (the stream may have failed meanwhile).
    private async Task<long?> AskApprovalAsync(ApprovalRequired approval, CancellationToken cancellationToken)
    {
        _screen.WriteLine($"Allow {approval.Tool} to run: {approval.Command}", ReplStyle.Warning);
        _screen.WriteLine("  [y] allow once  [a] always  [n] deny", ReplStyle.Warning);
        while (true)
        {
            var line = await ReadLineAsync(ApprovalPrompt, cancellationToken);
            if (line.Kind != LineKind.Line)
            {
                return _streamFailed.Task.IsCompleted ? -2 : null;
            }

            var answer = line.Text.Trim().ToLowerInvariant();
            if (answer is "/exit" or "/quit" or "/detach")
            {
                return null;
            }

            if (answer == "/cancel")
            {
                var statusSeq = _tracker.StatusSeq;
                await TryAsync(async () => (bool?)await Client.CancelTurnAsync(_sessionId, cancellationToken));
                return statusSeq;
            }

            ApprovalChoice? choice = answer switch
            {
                "y" or "yes" or "once" or "allow" or "allow_once" => ApprovalChoice.AllowOnce,
                "a" or "always" or "allow_always" => ApprovalChoice.AllowAlways,
                "n" or "no" or "deny" => ApprovalChoice.Deny,
                _ => null,
            };
            if (choice is null)
            {
                _screen.WriteLine("Answer y (allow once), a (always), n (deny), or /cancel.", ReplStyle.Dim);
                continue;
            }

            var info = await TryAsync(() => Client.DecideApprovalAsync(_sessionId, approval.CallId, choice.Value, cancellationToken));
            if (info is not null)
            {
                return info.LastSeq;
            }

            // Decided elsewhere, expired or superseded: catch up with the stream and look again.
            var current = await TryAsync(() => Client.GetSessionAsync(_sessionId, cancellationToken));
            if (current is not null && await WaitAsync(_tracker.WaitSeenAsync(current.LastSeq, cancellationToken), cancelTurn: false, cancellationToken) is not null)
            {
                return null;
            }

            return -1;
        }
    }

    private async Task<ReplCommandResult> RunCommandAsync(string text, CancellationToken cancellationToken)
    {
        var parts = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (parts[0].ToLowerInvariant())
        {
            case "/exit" or "/quit" or "/detach":
                return ReplCommandResult.DetachNow;
            case "/help":
                _screen.WriteLine(HelpText);
                return ReplCommandResult.None;
            case "/status":
                var session = await TryAsync(() => Client.GetSessionAsync(_sessionId, cancellationToken));
                if (session is not null)
                {
                    WriteStatus(session);
                }

                return ReplCommandResult.None;
            case "/history":
                var count = DefaultHistory;
                if (parts.Length > 1 && (!int.TryParse(parts[1], out count) || count is < 1 or > 500))
                {
                    _screen.WriteLine("Usage: /history [N]  (N from 1 to 500)", ReplStyle.Dim);
                    return ReplCommandResult.None;
                }

                var page = await TryAsync(() => Client.GetMessagesAsync(_sessionId, new MessageQuery(count, NewestFirst: true), cancellationToken));
                if (page is not null)
                {
                    WriteHistory(page.Messages.Reverse());
                }

                return ReplCommandResult.None;
            case "/resume":
                return new ReplCommandResult(false, await ResumeAsync(cancellationToken));
            case "/cancel":
                var cancelled = await TryAsync(async () => (bool?)await Client.CancelTurnAsync(_sessionId, cancellationToken));
                if (cancelled == false)
                {
                    _screen.WriteLine("[no turn was running]", ReplStyle.Dim);
                }

                return ReplCommandResult.None;
            default:
                _screen.WriteLine($"Unknown command {parts[0]}. Type /help for the list (start a message with // to send a leading /).", ReplStyle.Dim);
                return ReplCommandResult.None;
        }
    }

    private async Task<long?> ResumeAsync(CancellationToken cancellationToken)
    {
        var info = await TryAsync(() => Client.ResumeAsync(_sessionId, cancellationToken));
        return info?.Status == SessionStatus.Running ? info.LastSeq : null;
    }

    private void WriteStatus(SessionInfo session)
    {
        _screen.WriteLine($"Session {session.SessionId} · agent {session.Agent} · {Names.Status(session.Status)}");
        _screen.WriteLine($"  {Names.Count(session.MessageCount, "message")} · {Names.Count(session.LastSeq, "event")} · {session.AttachedClients} attached · on disconnect: {Names.OnDisconnect(session.OnDisconnect)}");
        if (session.PendingApproval is { } pending)
        {
            _screen.WriteLine($"  waiting for approval: {pending.Tool}: {pending.Command}");
        }

        if (session.LastError is { } error)
        {
            _screen.WriteLine($"  last error: {error}", ReplStyle.Error);
        }
    }

    private void WriteHistory(IEnumerable<SessionMessage> messages)
    {
        foreach (var message in messages)
        {
            var prefix = message.Role == "user" ? "> " : message.Role == "assistant" ? "< " : $"[{message.Role}] ";
            var lines = message.Content.TrimEnd().Split('\n');
            _screen.WriteLine(prefix + lines[0], message.Role == "user" ? ReplStyle.Dim : ReplStyle.Plain);
            foreach (var rest in lines.Skip(1))
            {
                _screen.WriteLine("  " + rest, message.Role == "user" ? ReplStyle.Dim : ReplStyle.Plain);
            }
        }
    }

    private int StreamFailed(Exception failure)
    {
        _screen.EndLine();
        var message = failure switch
        {
            SessionNotFoundException => $"Session {_sessionId} no longer exists.",
            _ => failure.Message,
        };
        _screen.WriteLine($"error: {message}", ReplStyle.Error);
        return ExitCodes.Error;
    }

    // Server errors inside the REPL are shown, not fatal.
    private async Task<T?> TryAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ClientErrors.IsReportable(ex))
        {
            _screen.WriteLine($"error: {ex.Message}", ReplStyle.Error);
            return default;
        }
    }

    internal const string HelpText = """
        Commands:
          /help          this list
          /status        the session's state
          /history [N]   the last N messages (10)
          /resume        resume a paused turn
          /cancel        cancel the running turn
          /exit          detach (the session stays; reattach with duragent attach <id>)
        Keys: Ctrl-C cancels a running turn (twice: detach) or detaches at the prompt; Ctrl-D detaches.
        Start a message with // to send text beginning with /.
        """;

    private readonly record struct ReplCommandResult(bool Detach, long? WaitAfter)
    {
        public static ReplCommandResult None => default;

        public static ReplCommandResult DetachNow => new(true, null);
    }
}
