using System.Text.RegularExpressions;
using Duragent.FakeLlm;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// The real executable against the real server (silo + HTTP gateway in a <c>duragent serve</c> process) and the
/// fake LLM server over HTTP: chat, crash and reattach, two clients on one turn, auto-start, tokens.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class CliEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ServeThenChat_AnswersEachLineInTurn()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Enqueue(FakeResponse.Text("Hello", " from", " the fake"), FakeResponse.Text("Second", " answer"));
        await ws.ServeAsync();

        var chat = await ws.RunAsync("hi\nand more\n/exit\n", "chat", "-a", "assistant");

        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Contains("Model: fake-model via openai-compatible", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("Hello from the fake\nSecond answer\n", chat.Stdout, StringComparison.Ordinal);
        var sessionId = SessionId(chat.Stdout);
        Assert.EndsWith($"Session saved. Reattach with: duragent attach {sessionId}\n", chat.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', chat.Stdout);
        Assert.Equal(2, ws.Llm.RequestCount);
        Assert.Contains("and more", ws.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        Assert.Contains("Hello from the fake", ws.Llm.Requests[1].RawBody, StringComparison.Ordinal);

        var list = await ws.RunAsync(string.Empty, "session", "list");
        Assert.Matches($@"{sessionId}\s+assistant\s+active\s+4\s", list.Stdout);
    }

    [Fact]
    public async Task KilledServer_AnotherClientAttaches_SeesTheHistoryAndTheResumedTurn()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue");
        var gate = new FakeGate();
        ws.Llm.Enqueue(
            FakeResponse.Text("First", " answer"),
            FakeResponse.Text("Partial", " reply", " never", " sent").WithGate(gate, afterChunks: 1),
            FakeResponse.Text("Recovered", " answer"));
        try
        {
            var serve = await ws.ServeAsync();
            // --gateway: the client never starts a server; it reconnects to the same gateway once the silo is back.
            var first = ws.Start("--gateway", ws.Gateway, "chat", "-a", "assistant");
            await first.Stdin.WriteLineAsync("hello");
            await first.WaitForStdoutAsync("First answer\n", Wait);
            await first.Stdin.WriteLineAsync("second question");
            await gate.WaitReachedAsync(Wait);
            await first.WaitForStdoutAsync("Partial", Wait);
            var sessionId = SessionId(first.Stdout);

            await serve.KillAsync();
            await first.WaitForAsync(s => s.Contains("[connection to the server lost", StringComparison.Ordinal), "the first client to notice the crash", Wait);
            await ws.ServeAsync();

            var attach = await ws.RunAsync("/exit\n", "attach", sessionId);

            Assert.True(attach.ExitCode == 0, attach.ToString());
            Assert.Contains($"Session: {sessionId}", attach.Stdout, StringComparison.Ordinal);
            Assert.Contains("> hello", attach.Stdout, StringComparison.Ordinal);
            Assert.Contains("< First answer", attach.Stdout, StringComparison.Ordinal);
            Assert.Contains("> second question", attach.Stdout, StringComparison.Ordinal);
            Assert.Contains("Recovered answer", attach.Stdout, StringComparison.Ordinal);
            Assert.Equal(3, ws.Llm.RequestCount);

            // The first client reconnected with Last-Event-ID and saw the same turn finish.
            await first.WaitForStdoutAsync("Recovered answer\n", Wait);
            Assert.Contains("[reconnected]", first.Stdout, StringComparison.Ordinal);
            await first.Stdin.WriteLineAsync("/exit");
            var firstResult = await first.WaitForExitAsync(Wait, "the first client");
            Assert.Equal(0, firstResult.ExitCode);
            Assert.Single(Regex.Matches(firstResult.Stdout, "Recovered answer"));
        }
        finally
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task SecondClientAttachingMidTurn_SeesTheSameTokensLive()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var gate = new FakeGate();
        ws.Llm.Enqueue(FakeResponse.Text("alpha ", "beta ", "gamma ", "delta").WithGate(gate, afterChunks: 2));
        try
        {
            await ws.ServeAsync();
            var first = ws.Start("chat", "-a", "assistant");
            await first.Stdin.WriteLineAsync("go");
            await gate.WaitReachedAsync(Wait);
            await first.WaitForStdoutAsync("alpha beta ", Wait);
            var sessionId = SessionId(first.Stdout);

            var second = ws.Start("attach", sessionId);
            await second.Stdin.WriteLineAsync("/exit");
            await second.WaitForStdoutAsync("alpha beta ", Wait);
            Assert.DoesNotContain("gamma", second.Stdout, StringComparison.Ordinal);
            gate.Release();

            await second.WaitForStdoutAsync("alpha beta gamma delta\n", Wait);
            await first.WaitForStdoutAsync("alpha beta gamma delta\n", Wait);
            var secondResult = await second.WaitForExitAsync(Wait, "the attached client");
            await first.Stdin.WriteLineAsync("/exit");
            var firstResult = await first.WaitForExitAsync(Wait, "the chatting client");

            Assert.Equal(0, secondResult.ExitCode);
            Assert.Equal(0, firstResult.ExitCode);
            Assert.Contains("Status: running", secondResult.Stdout, StringComparison.Ordinal);
            Assert.Contains("> go", secondResult.Stdout, StringComparison.Ordinal);
            Assert.Equal(1, ws.Llm.RequestCount);
        }
        finally
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task ChatWithoutServer_StartsOneInTheBackground_ThatOutlivesTheClientThenStopsWhenIdle()
    {
        await using var ws = await CliWorkspace.CreateAsync(idleShutdownSeconds: 2);
        ws.Llm.Enqueue(FakeResponse.Text("auto", " answer"));

        var chat = await ws.RunAsync("hi\n/exit\n", "chat");

        Assert.True(chat.ExitCode == 0 && chat.Stdout.Contains("auto answer\n", StringComparison.Ordinal), chat.ToString());
        Assert.Contains($"Starting a server for this workspace on {ws.BaseUrl}", chat.Stderr, StringComparison.Ordinal);
        var pid = await ws.FindServerPidAsync();
        Assert.NotNull(pid);
        Assert.NotEqual(0, pid);

        await ws.WaitForServerGoneAsync(Wait, "client.idle_shutdown_seconds is 2 and no session is live");
        var log = await File.ReadAllTextAsync(ws.ServerLog);
        Assert.Contains("started by duragent", log, StringComparison.Ordinal);
        Assert.Contains("--ephemeral 2 --detach", log, StringComparison.Ordinal);
        Assert.Contains("No live session for 2 s; shutting down", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiToken_GuardsHttp_TheCliGoesThroughTheLoopbackOrleansGateway()
    {
        const string Token = "test-api-token-0123456789";
        await using var ws = await CliWorkspace.CreateAsync(apiToken: Token);
        ws.Llm.Enqueue(FakeResponse.Text("authorized"));
        await ws.ServeAsync();

        var chat = await ws.RunAsync("hi\n/exit\n", "chat");
        var viaGateway = await ws.RunAsync(string.Empty, "--gateway", ws.Gateway, "session", "list");
        using var http = new HttpClient();
        using var anonymous = await http.GetAsync(new Uri(ws.BaseUrl, "api/v1/sessions"));

        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Contains("authorized\n", chat.Stdout, StringComparison.Ordinal);
        Assert.True(viaGateway.ExitCode == 0, viaGateway.ToString());
        Assert.Contains(SessionId(chat.Stdout), viaGateway.Stdout, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ServeStatusAndStop_FindTheWorkspacesServer_ThroughItsNodeFile()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var serve = await ws.ServeAsync();
        var nodeFile = Path.Combine(ws.Directory, ".duragent", "run", "node.json");

        var status = await ws.RunAsync(string.Empty, "serve", "status");
        var stop = await ws.RunAsync(string.Empty, "serve", "stop");
        var exited = await serve.WaitForExitAsync(Wait, "the stopped server");
        var after = await ws.RunAsync(string.Empty, "serve", "status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"PID:       {serve.Pid}", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("(this workspace)", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Gateway:   {ws.Gateway} (Orleans)", status.Stdout, StringComparison.Ordinal);
        Assert.Contains($"HTTP:      http://127.0.0.1:{ws.Port}", status.Stdout, StringComparison.Ordinal);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Contains("Server stopped.", stop.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, exited.ExitCode);
        Assert.False(File.Exists(nodeFile), "A server that stopped cleanly removes its node file.");
        Assert.Equal(1, after.ExitCode);
        Assert.Contains("No server running", after.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleNodeFile_OfAKilledServer_IsIgnored_AndANewServerStarts()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Enqueue(FakeResponse.Text("after the crash"));
        var serve = await ws.ServeAsync();
        await serve.KillAsync();
        var nodeFile = Path.Combine(ws.Directory, ".duragent", "run", "node.json");
        Assert.True(File.Exists(nodeFile), "kill -9 leaves the node file behind");

        var chat = await ws.RunAsync("hi\n/exit\n", "chat");

        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Contains("after the crash\n", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("Starting a server for this workspace", chat.Stderr, StringComparison.Ordinal);
        var pid = await ws.FindServerPidAsync();
        Assert.NotEqual(serve.Pid, pid);
    }

    [Fact]
    public async Task ApprovalPrompt_InPipedMode_TakesTheNextLine()
    {
        await using var ws = await CliWorkspace.CreateAsync(bashTool: true);
        ws.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo approved-run\"}")),
            FakeResponse.Text("The command printed approved-run."));
        await ws.ServeAsync();

        var chat = await ws.RunAsync("run it\ny\n/exit\n", "chat");

        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.Contains("⚙ bash: echo approved-run\n", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("[y] allow once  [a] always  [n] deny", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("  allowed once", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("  ✓ 1 line\n", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("The command printed approved-run.\n", chat.Stdout, StringComparison.Ordinal);
        Assert.Contains("approved-run", ws.Llm.Requests[1].RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionExport_WritesEveryStoredEventAndTheConversation()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Enqueue(FakeResponse.Text("exported ", "answer"));
        await ws.ServeAsync();
        var chat = await ws.RunAsync("question\n/exit\n", "chat");
        var sessionId = SessionId(chat.Stdout);
        var markdownFile = Path.Combine(ws.Directory, "out.md");

        var jsonl = await ws.RunAsync(string.Empty, "session", "export", sessionId);
        var markdown = await ws.RunAsync(string.Empty, "session", "export", sessionId, "--format", "markdown", "-o", markdownFile);
        var deleted = await ws.RunAsync(string.Empty, "session", "delete", sessionId);
        var gone = await ws.RunAsync(string.Empty, "session", "show", sessionId);

        var lines = jsonl.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (long)i), lines.Select(l => Duragent.Sessions.SessionJson.DeserializeEnvelope(System.Text.Encoding.UTF8.GetBytes(l)).Seq));
        Assert.Contains(lines, l => l.Contains("\"type\":\"user_message\"", StringComparison.Ordinal) && l.Contains("question", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"type\":\"turn_completed\"", StringComparison.Ordinal));
        Assert.Equal(0, markdown.ExitCode);
        var document = await File.ReadAllTextAsync(markdownFile);
        Assert.StartsWith($"# Session {sessionId}\n", document, StringComparison.Ordinal);
        Assert.Contains("question", document, StringComparison.Ordinal);
        Assert.Contains("exported answer", document, StringComparison.Ordinal);
        Assert.Equal($"Deleted session {sessionId}\n", deleted.Stdout);
        Assert.Equal(1, gone.ExitCode);
        Assert.StartsWith("error: ", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_CancelsTheRunningTurn_AgainDetaches()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var gate = new FakeGate();
        ws.Llm.Enqueue(FakeResponse.Text("never ", "finished").WithGate(gate, afterChunks: 1));
        try
        {
            await ws.ServeAsync();
            var chat = ws.Start("chat");
            await chat.Stdin.WriteLineAsync("start something long");
            await gate.WaitReachedAsync(Wait);
            await chat.WaitForStdoutAsync("never ", Wait);

            await Interrupt(chat);
            await chat.WaitForStdoutAsync("[cancelled]\n", Wait);
            await Interrupt(chat);
            var result = await chat.WaitForExitAsync(Wait, "the chat to detach on Ctrl-C at the prompt");

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("[cancelling the turn", result.Stdout, StringComparison.Ordinal);
            Assert.EndsWith($"Session saved. Reattach with: duragent attach {SessionId(result.Stdout)}\n", result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("finished", result.Stdout, StringComparison.Ordinal);
            var show = await ws.RunAsync(string.Empty, "session", "show", SessionId(result.Stdout));
            Assert.Contains("Status:    active", show.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task PausedTurn_AttachAnnouncesIt_AttachResumeFinishesIt()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        ws.Llm.Enqueue(FakeResponse.Text("cut ", "off").WithGate(gate, afterChunks: 1), FakeResponse.Text("resumed ", "answer"));
        try
        {
            await ws.ServeAsync();
            var chat = ws.Start("chat");
            await chat.Stdin.WriteLineAsync("start");
            await gate.WaitReachedAsync(Wait);
            await chat.WaitForStdoutAsync("cut ", Wait);
            var sessionId = SessionId(chat.Stdout);

            // The only attached client vanishes mid-turn: on_disconnect pause parks the turn.
            using var observer = new Duragent.Integration.Tests.Http.HttpApiClient(ws.BaseUrl, ws.Credentials);
            using var watch = new CancellationTokenSource(Wait);
            var paused = WaitForStatusAsync(observer, sessionId, Duragent.Sessions.SessionStatus.Paused, watch.Token);
            await chat.KillAsync();
            await paused;

            var look = await ws.RunAsync("/exit\n", "attach", sessionId);
            var resume = await ws.RunAsync("/exit\n", "attach", sessionId, "--resume");

            Assert.Equal(0, look.ExitCode);
            Assert.Contains("Status: paused", look.Stdout, StringComparison.Ordinal);
            Assert.Contains("The turn is paused. Type /resume to continue it.", look.Stdout, StringComparison.Ordinal);
            Assert.True(resume.ExitCode == 0, resume.ToString());
            Assert.Contains("resumed answer\n", resume.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("The turn is paused", resume.Stdout, StringComparison.Ordinal);
            Assert.Equal(2, ws.Llm.RequestCount);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task WaitForStatusAsync(Duragent.Integration.Tests.Http.HttpApiClient client, string sessionId, Duragent.Sessions.SessionStatus status, CancellationToken cancellationToken)
    {
        var options = new Duragent.Integration.Tests.Http.HttpStreamOptions { Attach = false };
        await foreach (var envelope in client.StreamEventsAsync(sessionId, options, cancellationToken))
        {
            if (envelope.Event is Duragent.Sessions.Events.StatusChanged changed && changed.To == status)
            {
                return;
            }
        }
    }

    private static async Task Interrupt(CliProcess process)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static string SessionId(string output) => SessionIdPattern().Match(output) is { Success: true } match
        ? match.Value
        : throw new InvalidOperationException("No session id in the output:\n" + output);

    [GeneratedRegex("session_[0-9A-Z]{26}")]
    private static partial Regex SessionIdPattern();
}
