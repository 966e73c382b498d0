using System.Threading.Channels;
using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Random interleavings of messages, scripted tool calls (allowed, asked, denied), a low <c>max_tool_iterations</c>,
/// cancellations, approvals, pauses and resumes, and LLM errors; after each session settles, its event log must show
/// every acknowledged message seen by an LLM call or named in a recorded outcome (<see cref="AnsweredMessagesChecker"/>).
/// Every LLM call is held at a gate while the test acts, so messages land during calls, tools, approvals and pauses.
/// Sessions: <c>DURAGENT_PROPERTY_SESSIONS</c> (200 by default, split over the three iteration limits); the seed
/// is random and printed on failure; <c>DURAGENT_PROPERTY_SEED</c> replays it.
/// </summary>
public sealed class AnsweredMessagesPropertyTests
{
    private const string Policy = "mode: ask\nallow: ['bash:echo ok']\ndeny: ['bash:echo no']\n";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomInterleavings_EveryAcknowledgedMessageIsSeenOrNamed(int maxToolIterations)
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("DURAGENT_PROPERTY_SESSIONS"), out var configured) && configured > 0 ? configured : 200;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DURAGENT_PROPERTY_SEED"), out var given) ? given : Random.Shared.Next();
        await using var kit = await SessionKit.StartAsync(
            policy: Policy,
            maxToolIterations: maxToolIterations,
            sessions: o => o.MaxLlmAttempts = 2,
            llm: o => o.MaxAttempts = 1);
        var model = new ScriptedModel();
        kit.Llm.Fallback = model.Answer;
        var sessions = Math.Max(1, total / 3);
        for (var i = 0; i < sessions; i++)
        {
            var where = $"seed {seed} (DURAGENT_PROPERTY_SEED={seed}), max_tool_iterations {maxToolIterations}, session #{i}";
            string? id = null;
            try
            {
                id = await RunSessionAsync(kit, model, new Random(unchecked(seed + (i * 7919))));
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{where}: {ex}");
            }

            var events = await kit.EventsAsync(id);
            var violations = AnsweredMessagesChecker.Violations(events);
            if (violations.Count > 0)
            {
                throw new Xunit.Sdk.XunitException($"{where}:\n{string.Join("\n", violations)}\n--- log ---\n{AnsweredMessagesChecker.Describe(events)}");
            }
        }
    }

    private static async Task<string> RunSessionAsync(SessionKit kit, ScriptedModel model, Random rng)
    {
        var (id, session) = await kit.CreateAsync(onDisconnect: rng.Next(2) == 0 ? OnDisconnect.Pause : OnDisconnect.Continue);
        var signals = Channel.CreateUnbounded<object>();
        model.Begin(rng, signals.Writer);
        using var stop = new CancellationTokenSource();
        var watcher = WatchStatusAsync(session, signals.Writer, stop.Token);
        SessionKit.Attachment? attached = rng.Next(2) == 0 ? await SessionKit.AttachAsync(session) : null;
        var budget = 2 + rng.Next(5);
        var sent = 0;

        async Task SendAsync()
        {
            sent++;
            await session.SendMessageAsync(new SendMessage($"message {sent} of {id}"));
        }

        async Task DecideAsync(string callId, ApprovalChoice choice)
        {
            try
            {
                await session.DecideApprovalAsync(new DecideApproval(callId, choice));
            }
            catch (SessionStateException)
            {
                // Superseded or cancelled meanwhile: fine.
            }
        }

        await SendAsync();
        var done = false;
        for (var step = 0; step < 40 && !done; step++)
        {
            using var wait = new CancellationTokenSource(SessionKit.Wait);
            object signal;
            try
            {
                signal = await signals.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                var info = await session.GetInfoAsync();
                throw new TimeoutException(
                    $"Nothing happened for {SessionKit.Wait} (status {info?.Status}, turn {info?.CurrentTurnId}).\n{AnsweredMessagesChecker.Describe(await kit.EventsAsync(id))}");
            }

            var roll = model.Roll(100);
            switch (signal)
            {
                case FakeGate gate:
                    if (roll < 50 && sent < budget)
                    {
                        await SendAsync();
                    }

                    if (model.Roll(100) < 12)
                    {
                        await session.CancelTurnAsync();
                    }

                    if (attached is not null && model.Roll(100) < 15)
                    {
                        await attached.DisposeAsync();
                        attached = null;
                    }

                    gate.Release();
                    break;

                case SessionStatus.AwaitingApproval:
                    if ((await session.GetInfoAsync())?.PendingApproval is not { } pending)
                    {
                        break;
                    }

                    if (roll < 40)
                    {
                        await DecideAsync(pending.CallId, ApprovalChoice.AllowOnce);
                    }
                    else if (roll < 70 || (roll < 85 && sent >= budget))
                    {
                        await DecideAsync(pending.CallId, ApprovalChoice.Deny);
                    }
                    else if (roll < 85)
                    {
                        await SendAsync();
                    }
                    else
                    {
                        await session.CancelTurnAsync();
                    }

                    break;

                case SessionStatus.Paused:
                    if (attached is null && model.Roll(2) == 0)
                    {
                        attached = await SessionKit.AttachAsync(session);
                    }

                    if (roll < 25 && sent < budget)
                    {
                        await SendAsync();
                    }
                    else if (roll < 85)
                    {
                        await session.ResumeAsync();
                    }
                    else
                    {
                        await session.CancelTurnAsync();
                    }

                    break;

                case SessionStatus.Active or SessionStatus.Failed:
                    // A stale signal is harmless: a message is welcome at any time.
                    if (sent >= budget || roll >= 90)
                    {
                        done = true;
                    }
                    else
                    {
                        await SendAsync();
                    }

                    break;
            }
        }

        model.Settle();
        if (attached is not null)
        {
            await attached.DisposeAsync();
        }

        await SettleAsync(session);
        await stop.CancelAsync();
        await watcher;
        return id;
    }

    /// <summary>Resumes, denies and waits until the session has no turn and is active or failed.</summary>
    private static async Task SettleAsync(ISessionGrain session)
    {
        for (var i = 0; i < 200; i++)
        {
            var info = await session.GetInfoAsync() ?? throw new InvalidOperationException("The session is gone.");
            switch (info.Status)
            {
                case SessionStatus.Paused:
                    await session.ResumeAsync();
                    continue;
                case SessionStatus.AwaitingApproval when info.PendingApproval is { } pending:
                    try
                    {
                        await session.DecideApprovalAsync(new DecideApproval(pending.CallId, ApprovalChoice.Deny));
                    }
                    catch (SessionStateException)
                    {
                    }

                    continue;
                case SessionStatus.Active or SessionStatus.Failed when info.CurrentTurnId is null:
                    return;
            }

            await SessionKit.WaitForEventAsync(session, info.LastSeq, e => e.Event is StatusChanged or TurnCompleted or TurnStarted, $"the session ({info.Status}, turn {info.CurrentTurnId}) to move on");
        }

        throw new InvalidOperationException("The session did not settle after 200 rounds.");
    }

    private static async Task WatchStatusAsync(ISessionGrain session, ChannelWriter<object> signals, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in session.StreamAsync(new StreamOptions(0), cancellationToken))
            {
                if (e.Event is StatusChanged changed)
                {
                    signals.TryWrite(changed.To);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The fake model's answers: random, each stream held at a gate the test releases.</summary>
    private sealed class ScriptedModel
    {
        private readonly Lock _gate = new();
        private readonly List<FakeGate> _held = [];
        private Random _rng = new(0);
        private ChannelWriter<object>? _signals;
        private bool _settling;
        private int _calls;

        public void Begin(Random rng, ChannelWriter<object> signals)
        {
            lock (_gate)
            {
                _rng = rng;
                _signals = signals;
                _settling = false;
                _held.Clear();
            }
        }

        public int Roll(int max)
        {
            lock (_gate)
            {
                return _rng.Next(max);
            }
        }

        /// <summary>From now on every answer is plain text at once, and every held answer goes on.</summary>
        public void Settle()
        {
            lock (_gate)
            {
                _settling = true;
                foreach (var held in _held)
                {
                    held.Release();
                }

                _held.Clear();
            }
        }

        public FakeResponse Answer(FakeRequest request)
        {
            lock (_gate)
            {
                _calls++;
                if (_settling)
                {
                    return FakeResponse.Text("settled");
                }

                var roll = _rng.Next(100);
                if (roll >= 90)
                {
                    return roll >= 95 ? FakeResponse.Status(400, "fake bad request") : FakeResponse.ServerError(500);
                }

                FakeResponse response;
                if (roll < 35)
                {
                    response = FakeResponse.Text("answer ", _calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    var calls = Enumerable.Range(0, 1 + _rng.Next(2))
                        .Select(_ => FakeToolCall.Create("bash", $"{{\"command\":\"echo {(_rng.Next(3) switch { 0 => "ok", 1 => "ask", _ => "no" })}\"}}"))
                        .ToArray();
                    response = FakeResponse.ToolCalls(calls);
                }

                var gate = new FakeGate();
                _held.Add(gate);
                _signals?.TryWrite(gate);
                return response.WithGate(gate);
            }
        }
    }
}
