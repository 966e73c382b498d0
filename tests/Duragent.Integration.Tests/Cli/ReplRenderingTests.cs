using System.Text;
using Duragent.Cli.Repl;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Integration.Tests.Cli;

public sealed class ReplRenderingTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Renderer_StreamsDeltas_ThenCompletesTheMessageWithoutRepeatingText()
    {
        var (output, renderer) = Create();

        renderer.Render(Envelope(5, new LlmCallStarted("t1", 1, "openai", "m")));
        renderer.Render(Envelope(6, new AssistantDelta("t1", 1, "Hel")));
        renderer.Render(Envelope(7, new AssistantDelta("t1", 1, "lo")));
        renderer.Render(Envelope(8, new AssistantMessage("msg_2", "t1", 1, "Hello world")));

        Assert.Equal("Hello world\n", output.ToString());
    }

    [Fact]
    public void Renderer_WithoutDeltas_PrintsTheWholeMessage()
    {
        var (output, renderer) = Create();

        renderer.Render(Envelope(8, new AssistantMessage("msg_2", "t1", 1, "All at once")));

        Assert.Equal("All at once\n", output.ToString());
    }

    [Fact]
    public void Renderer_ShowsToolCallsAndResultsCompactly()
    {
        var (output, renderer) = Create();

        renderer.Render(Envelope(1, new ToolCallRequested("t1", "c1", "bash", """{"command":"ls -la"}""", Command: "ls -la")));
        renderer.Render(Envelope(2, new ToolFinished("t1", "c1", "bash", ToolOutcome.Ok, string.Join('\n', Enumerable.Range(1, 12)) + "\n", ExitCode: 0)));
        renderer.Render(Envelope(3, new ToolCallRequested("t1", "c2", "web", """{"action":"fetch","url":"https://x"}""")));
        renderer.Render(Envelope(4, new ToolFinished("t1", "c2", "bash", ToolOutcome.Error, "boom", ExitCode: 2)));
        renderer.Render(Envelope(5, new ToolFinished("t1", "c3", "bash", ToolOutcome.Denied, "denied")));
        renderer.Render(Envelope(6, new ToolInterrupted("t1", "c4", "bash", "the silo stopped", "unknown")));

        Assert.Equal(
            "⚙ bash: ls -la\n  ✓ 12 lines\n⚙ web: action=fetch url=https://x\n  ✗ exit 2\n  ⊘ denied\n  ✗ interrupted: the silo stopped\n",
            output.ToString());
    }

    [Fact]
    public void Renderer_EchoesOtherClientsMessages_NotItsOwn()
    {
        var (output, renderer) = Create();
        renderer.ExpectOwnMessage("mine");

        renderer.Render(Envelope(1, new UserMessage("msg_1", "from me", ClientMessageId: "mine")));
        renderer.Render(Envelope(2, new UserMessage("msg_2", "from someone else", SenderName: "ana")));

        Assert.Equal("> from someone else  (ana)\n", output.ToString());
    }

    [Fact]
    public void Renderer_AnnouncesCancellationPauseAndErrors()
    {
        var (output, renderer) = Create();

        renderer.Render(Envelope(1, new AssistantDelta("t1", 1, "partial")));
        renderer.Render(Envelope(2, new TurnCompleted("t1", TurnOutcome.Cancelled)));
        renderer.Render(Envelope(3, new StatusChanged(SessionStatus.Running, SessionStatus.Paused, "the last attached client disconnected")));
        renderer.Render(Envelope(4, new SessionError("llm_unavailable", "The model is down.")));

        Assert.Equal(
            "partial\n[cancelled]\n[paused: the last attached client disconnected] Type /resume to continue.\nerror: The model is down.\n",
            output.ToString());
    }

    [Fact]
    public void Screen_WithoutTerminal_WritesNoEscapeCodes()
    {
        var output = new StringWriter();
        var screen = new ReplScreen(output, terminal: false, colors: true);

        screen.ShowPrompt("> ", "typed", 5);
        screen.WriteLine("line", ReplStyle.Error);
        screen.Write("tok", ReplStyle.Accent);
        screen.CommitPrompt();
        screen.EndLine();

        Assert.Equal("line\ntok\n", output.ToString());
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void Screen_OnTerminal_KeepsThePromptBelowStreamedOutput()
    {
        var output = new StringWriter();
        var screen = new ReplScreen(output, terminal: true, colors: false, width: () => 40);

        screen.ShowPrompt("> ", "ab", 2);
        screen.WriteLine("event");
        var text = output.ToString();

        Assert.EndsWith("\r\u001b[2K> ab\r\u001b[4C", text, StringComparison.Ordinal);
        Assert.Contains("\r\u001b[2Kevent\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tracker_SettlesOnlyOnAStatusChangeAboveTheMessage()
    {
        var tracker = new SessionTracker(Session(SessionStatus.Active, lastSeq: 10), afterSeq: 10);
        var settled = tracker.WaitSettledAsync(11, CancellationToken.None);

        tracker.Apply(Envelope(11, new UserMessage("msg", "hi")));
        tracker.Apply(Envelope(12, new TurnStarted("t1", 11)));
        tracker.Apply(Envelope(13, new StatusChanged(SessionStatus.Active, SessionStatus.Running)));
        Assert.False(settled.IsCompleted);
        tracker.Apply(Envelope(14, new AssistantMessage("m", "t1", 1, "done")));
        Assert.False(settled.IsCompleted);
        tracker.Apply(Envelope(16, new StatusChanged(SessionStatus.Running, SessionStatus.Active)));

        await settled.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(SessionStatus.Active, tracker.Status);
    }

    [Fact]
    public void Tracker_ReplayedEventsDoNotMoveTheStateBack()
    {
        var tracker = new SessionTracker(Session(SessionStatus.Running, lastSeq: 20), afterSeq: 5);

        tracker.Apply(Envelope(6, new StatusChanged(SessionStatus.Running, SessionStatus.Active)));
        tracker.Apply(Envelope(8, new ApprovalRequired("t0", "c0", "bash", "ls")));

        Assert.Equal(SessionStatus.Running, tracker.Status);
        Assert.Null(tracker.PendingApproval);
        Assert.False(tracker.WaitReplayedAsync(CancellationToken.None).IsCompleted);
        tracker.Apply(Envelope(20, new AssistantDelta("t1", 1, "x")));
        Assert.True(tracker.WaitReplayedAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void Tracker_TracksThePendingApprovalUntilDecided()
    {
        var tracker = new SessionTracker(Session(SessionStatus.Running, lastSeq: 3), afterSeq: 3);

        tracker.Apply(Envelope(4, new ApprovalRequired("t1", "c1", "bash", "rm -rf build")));
        tracker.Apply(Envelope(5, new StatusChanged(SessionStatus.Running, SessionStatus.AwaitingApproval)));
        Assert.Equal("c1", tracker.PendingApproval?.CallId);
        Assert.True(tracker.WaitSettledAsync(3, CancellationToken.None).IsCompleted);

        tracker.Apply(Envelope(6, new ApprovalDecided("c1", ApprovalChoice.Deny)));
        Assert.Null(tracker.PendingApproval);
    }

    [Fact]
    public async Task Tracker_StreamFailure_FailsWaiters()
    {
        var tracker = new SessionTracker(Session(SessionStatus.Running, lastSeq: 3), afterSeq: 3);
        var settled = tracker.WaitSettledAsync(-1, CancellationToken.None);

        tracker.Fail(new IOException("gone"));

        await Assert.ThrowsAsync<IOException>(() => settled);
        await Assert.ThrowsAsync<IOException>(() => tracker.WaitSeenAsync(100, CancellationToken.None));
    }

    private static (StringWriter Output, EventRenderer Renderer) Create()
    {
        var output = new StringWriter();
        return (output, new EventRenderer(new ReplScreen(output, terminal: false, colors: false)));
    }

    private static SessionInfo Session(SessionStatus status, long lastSeq) =>
        new("session_1", "agent", status, Now, Now, OnDisconnect.Continue, lastSeq, 1);

    private static SessionEventEnvelope Envelope(long seq, SessionEvent sessionEvent) =>
        new(seq, Now, SessionEventTypes.NameOf(sessionEvent), sessionEvent, Encoding.UTF8.GetBytes("{}"));
}
