using Duragent.Configuration;
using Duragent.FakeLlm;
using Duragent.Grains.Tests.Llm;
using Duragent.Hosting;
using Duragent.Llm;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Testing;
using Duragent.Agents;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// A whole Duragent stack for session tests: a test silo with the real agent catalog, LLM clients, tools and session
/// grains, a workspace on disk, and a fake LLM server speaking the real wire formats over HTTP.
/// </summary>
internal sealed class SessionKit : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly TempDirectory? _workspace;
    private readonly bool _ownsLlm;
    private readonly List<SessionKit> _restarts = [];

    private Action<TestSiloBuilder>? _siloSetup;

    private SessionKit(TestSilo silo, FakeLlmServer llm, bool ownsLlm, TempDirectory? workspace, string root)
    {
        Silo = silo;
        Llm = llm;
        _ownsLlm = ownsLlm;
        _workspace = workspace;
        Root = root;
    }

    public TestSilo Silo { get; }

    public FakeLlmServer Llm { get; }

    /// <summary>The workspace directory (duragent.yaml and agents/).</summary>
    public string Root { get; }

    public string AgentDirectory(string name = "assistant") => Path.Combine(Root, "agents", name);

    public static async Task<SessionKit> StartAsync(
        string format = "openai",
        string onDisconnect = "pause",
        string tools = "[{type: builtin, name: bash}]",
        string? policy = null,
        Action<SessionOptions>? sessions = null,
        Action<LlmOptions>? llm = null,
        FakeEnvironment? environment = null,
        SessionKit? restartOf = null,
        int maxToolIterations = 10,
        bool fileStorage = false,
        Action<TestSiloBuilder>? silo = null)
    {
        var fake = restartOf?.Llm ?? await FakeLlmServer.StartAsync();
        silo ??= restartOf?._siloSetup;
        var owned = restartOf is null ? new TempDirectory("session-kit") : null;
        var root = restartOf?.Root ?? owned!.Path;
        if (restartOf is null)
        {
            WriteWorkspace(root, fake, format, onDisconnect, tools, policy, maxToolIterations);
        }

        var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(Path.Combine(root, "duragent.yaml")).Config);
        var env = environment ?? new FakeEnvironment()
            .Set(LlmProviders.OpenAiKeyVariable, LlmTestKit.OpenAiKey)
            .Set(LlmProviders.AnthropicKeyVariable, LlmTestKit.AnthropicKey);
        var started = await TestSilo.StartAsync(b =>
        {
            if (restartOf is not null)
            {
                b.UseSameStorageAs(restartOf.Silo);
            }
            else if (fileStorage)
            {
                b.UseFileStorage = true;
                b.Directory = Path.Combine(root, ".duragent");
            }

            b.Services.AddSingleton<IEnvironmentVariables>(env);
            b.Services.AddDuragentAgents(workspace);
            b.Services.AddFileMemoryStore(workspace.AgentsDirectory, workspace.WorldMemoryDirectory);
            b.Services.AddDuragentLlm(o =>
            {
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
                llm?.Invoke(o);
            });

            // LLM timeouts and retry delays are about the outside world: they run on real time (so does the silo).
            b.Services.AddSingleton<ILlmClientFactory>(sp => ActivatorUtilities.CreateInstance<LlmClientFactory>(sp, TimeProvider.System));
            b.Services.AddDuragentSessions(o =>
            {
                o.WorkspacePolicyFile = workspace.PolicyFile;
                sessions?.Invoke(o);
            });
            silo?.Invoke(b);
        });
        return new SessionKit(started, fake, restartOf is null, owned ?? restartOf?._workspace, root) { _siloSetup = silo };
    }

    /// <summary>Stops this silo gracefully (releasing the workspace) and starts another on the same storage, workspace and LLM server.</summary>
    public async Task<SessionKit> RestartAsync(Action<SessionOptions>? sessions = null)
    {
        await Silo.DisposeAsync();
        var restarted = await StartAsync(restartOf: this, sessions: sessions);
        _restarts.Add(restarted);
        return restarted;
    }

    private static void WriteWorkspace(string root, FakeLlmServer llm, string format, string onDisconnect, string tools, string? policy, int maxToolIterations)
    {
        File.WriteAllText(Path.Combine(root, "duragent.yaml"), "agents_dir: ./agents\n");
        var dir = Path.Combine(root, "agents", "assistant");
        Directory.CreateDirectory(dir);
        var (provider, baseUrl) = format == "anthropic" ? ("anthropic", llm.AnthropicBaseUrl) : ("openai", llm.OpenAiBaseUrl);
        File.WriteAllText(Path.Combine(dir, "agent.yaml"), $"""
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: assistant
            spec:
              model:
                provider: {provider}
                name: test-model
                base_url: {baseUrl}
              system_prompt: ./SYSTEM_PROMPT.md
              session:
                on_disconnect: {onDisconnect}
                max_tool_iterations: {maxToolIterations}
              tools: {tools}
            """);
        File.WriteAllText(Path.Combine(dir, "SYSTEM_PROMPT.md"), "You are {{agent.name}}, a test assistant.");
        if (policy is not null)
        {
            File.WriteAllText(Path.Combine(dir, "policy.yaml"), policy);
        }
    }

    public ISessionGrain Session(string id) => Silo.GrainFactory.GetGrain<ISessionGrain>(id);

    public async Task<(string Id, ISessionGrain Grain)> CreateAsync(string? id = null, OnDisconnect? onDisconnect = null)
    {
        id ??= Ulid.NewId("session");
        var grain = Session(id);
        await grain.CreateAsync(new CreateSession("assistant", onDisconnect, "test"));
        return (id, grain);
    }

    /// <summary>Sends a message and waits for the turn that answers it to settle.</summary>
    public async Task<TurnResult> AskAsync(ISessionGrain grain, string text)
    {
        var accepted = await grain.SendMessageAsync(new SendMessage(text));
        return await WaitTurnAsync(grain, accepted.Seq);
    }

    public static async Task<TurnResult> WaitTurnAsync(ISessionGrain grain, long seq)
    {
        using var cts = new CancellationTokenSource(Wait);
        try
        {
            return await grain.WaitForTurnAsync(seq, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            var info = await grain.GetInfoAsync();
            throw new TimeoutException($"The turn answering message {seq} did not settle within {Wait}; the session is {info?.Status} at event {info?.LastSeq}.");
        }
    }

    /// <summary>Every event of a session, read from the event log storage.</summary>
    public async Task<List<SessionEventEnvelope>> EventsAsync(string id)
    {
        var log = Silo.Services.GetRequiredService<IEventLogStorage>();
        var events = new List<SessionEventEnvelope>();
        await foreach (var stored in log.ReadAsync(GrainId.Create(SessionGrain.GrainTypeName, id), 1))
        {
            events.Add(SessionJson.DeserializeEnvelope(stored.Json));
        }

        return events;
    }

    public async Task<List<T>> EventsAsync<T>(string id)
        where T : SessionEvent =>
        (await EventsAsync(id)).Select(e => e.Event).OfType<T>().ToList();

    /// <summary>Waits (on the session's event stream, no polling) until the session's status is <paramref name="status"/>.</summary>
    public static async Task WaitForStatusAsync(ISessionGrain grain, SessionStatus status)
    {
        var info = await grain.GetInfoAsync() ?? throw new InvalidOperationException("The session does not exist.");
        if (info.Status == status)
        {
            return;
        }

        using var cts = new CancellationTokenSource(Wait);
        try
        {
            await foreach (var e in grain.StreamAsync(new StreamOptions(info.LastSeq), cts.Token))
            {
                if (e.Event is StatusChanged changed && changed.To == status)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"The session did not reach status {status} within {Wait}; it is {(await grain.GetInfoAsync())?.Status}.");
    }

    /// <summary>
    /// Attaches a client to the session (an attached stream read in the background) and returns once the session
    /// counts it. Disposing the result ends the stream: the client detaches.
    /// </summary>
    public static async Task<Attachment> AttachAsync(ISessionGrain grain, string client = "test")
    {
        var before = (await grain.GetInfoAsync())?.AttachedClients ?? throw new InvalidOperationException("The session does not exist.");
        var attachment = new Attachment(grain, client);
        var deadline = DateTime.UtcNow + Wait;
        while ((await grain.GetInfoAsync())?.AttachedClients <= before)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The session did not count the attached client within {Wait}.");
            }

            await Task.Delay(5);
        }

        return attachment;
    }

    /// <summary>An attached client; see <see cref="AttachAsync"/>.</summary>
    public sealed class Attachment : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reading;

        internal Attachment(ISessionGrain grain, string client) =>
            _reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in grain.StreamAsync(new StreamOptions(0, Attach: true, client), _stop.Token))
                    {
                        Received.Enqueue(e);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
            });

        /// <summary>The events this client received.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<SessionEventEnvelope> Received { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading.WaitAsync(Wait);
            _stop.Dispose();
        }
    }

    /// <summary>Waits (on the event stream) for the first event after <paramref name="afterSeq"/> that matches.</summary>
    public static async Task<SessionEventEnvelope> WaitForEventAsync(ISessionGrain grain, long afterSeq, Func<SessionEventEnvelope, bool> match, string what)
    {
        using var cts = new CancellationTokenSource(Wait);
        try
        {
            await foreach (var e in grain.StreamAsync(new StreamOptions(afterSeq), cts.Token))
            {
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"No event ({what}) arrived within {Wait}.");
    }

    /// <summary>
    /// Stops this silo and every silo restarted from it (newest first) before the workspace they share is deleted:
    /// a silo still running would otherwise write into a directory being removed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _restarts.Count - 1; i >= 0; i--)
        {
            await _restarts[i].DisposeAsync();
        }

        _restarts.Clear();
        await Silo.DisposeAsync();
        if (_ownsLlm)
        {
            await Llm.DisposeAsync();
            _workspace?.Dispose();
        }
    }
}
