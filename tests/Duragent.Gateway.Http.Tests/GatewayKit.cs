using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duragent.Configuration;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Sessions;
using Duragent.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// A whole Duragent server for gateway tests: a temp workspace with file storage, an agent pointed at the fake LLM
/// server, and the real hosting entry (<see cref="DuragentServer"/>) on Kestrel at 127.0.0.1 with a free port.
/// </summary>
internal sealed class GatewayKit : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory;
    private readonly bool _owner;
    private readonly int? _port;
    private bool _stopped;
    private bool _appDisposed;
    private Task? _shutdown;

    private GatewayKit(TempDirectory directory, FakeLlmServer llm, bool owner, int? port, WebApplication app, TestLogSink logs, DuragentWorkspace workspace)
    {
        _directory = directory;
        Llm = llm;
        _owner = owner;
        _port = port;
        App = app;
        Logs = logs;
        Workspace = workspace;
    }

    public WebApplication App { get; }

    public FakeLlmServer Llm { get; }

    public TestLogSink Logs { get; }

    public DuragentWorkspace Workspace { get; }

    /// <summary>The config directory (duragent.yaml, agents/, .duragent/).</summary>
    public string Root => _directory.Path;

    public string SessionsDirectory => Workspace.SessionsDirectory;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public HttpClient Client { get; private set; } = new();

    /// <summary>
    /// Writes the workspace and starts the server. <paramref name="server"/> holds extra lines of the <c>server</c>
    /// section (e.g. <c>"api_token: secret"</c>); host and port are 127.0.0.1 and 0 unless <paramref name="host"/> and <paramref name="port"/> say otherwise.
    /// <paramref name="yaml"/> is appended to <c>duragent.yaml</c> as it is (other top-level sections).
    /// </summary>
    public static async Task<GatewayKit> StartAsync(
        string[]? server = null,
        string onDisconnect = "pause",
        string? policy = null,
        string tools = "[{type: builtin, name: bash}]",
        Action<GatewayOptions>? gateway = null,
        Action<IServiceCollection>? services = null,
        string host = "127.0.0.1",
        bool start = true,
        Action<string>? prepare = null,
        string? yaml = null,
        int port = 0)
    {
        var directory = new TempDirectory("gateway");
        var llm = await FakeLlmServer.StartAsync();
        try
        {
            WriteWorkspace(directory.Path, llm, server ?? [], onDisconnect, policy, tools, host, yaml, port);
            prepare?.Invoke(directory.Path);
            return await StartOnAsync(directory, llm, owner: true, gateway, services, start);
        }
        catch
        {
            await llm.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies an existing workspace (the folder of its <c>duragent.yaml</c>, with <c>.duragent/</c>) to a temp directory
    /// and starts the server on the copy, on a free port whatever its <c>duragent.yaml</c> says. <paramref name="prepare"/>
    /// runs on the copy first, with the kit's fake LLM (to point the agents' <c>base_url</c> at it, for example).
    /// </summary>
    public static async Task<GatewayKit> StartOnCopyAsync(string source, Action<string, FakeLlmServer>? prepare = null)
    {
        var directory = new TempDirectory("workspace");
        var llm = await FakeLlmServer.StartAsync();
        try
        {
            CopyDirectory(source, directory.Path);
            prepare?.Invoke(directory.Path, llm);
            return await StartOnAsync(directory, llm, owner: true, gateway: null, services: null, start: true, port: 0);
        }
        catch
        {
            await llm.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Stops this server and starts another on the same workspace and fake LLM (disposing it leaves both to this kit).</summary>
    public async Task<GatewayKit> RestartAsync(Action<string>? prepare = null)
    {
        await StopAsync();
        await DisposeAppAsync();
        prepare?.Invoke(Root);
        return await StartOnAsync(_directory, Llm, owner: false, gateway: null, services: null, start: true, _port);
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }

    private static async Task<GatewayKit> StartOnAsync(TempDirectory directory, FakeLlmServer llm, bool owner, Action<GatewayOptions>? gateway, Action<IServiceCollection>? services, bool start, int? port = null)
    {
        var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(Path.Combine(directory.Path, "duragent.yaml")).Config);
        var logs = new TestLogSink();
        var app = DuragentServer.Build(workspace, new ServeOverrides
        {
            Port = port,
            ConfigureNode = node => node.ConfigureLlm = o =>
            {
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
            },
            ConfigureGateway = gateway,
            ConfigureServices = s =>
            {
                s.AddLogging(b =>
                {
                    b.ClearProviders();
                    b.AddProvider(logs);
                    b.SetMinimumLevel(LogLevel.Debug);
                });
                services?.Invoke(s);
            },
        });
        var kit = new GatewayKit(directory, llm, owner, port, app, logs, workspace);
        if (start)
        {
            await kit.StartServerAsync();
        }

        return kit;
    }

    /// <summary>Starts the host and points <see cref="Client"/> at it.</summary>
    public async Task StartServerAsync()
    {
        await App.StartAsync();

        // As RunAsync does (duragent serve): stop the host once something asks it to (the admin endpoint, StopAsync).
        _shutdown = App.WaitForShutdownAsync();
        Connect();
    }

    /// <summary>Points <see cref="Client"/> at the bound address (callable once Kestrel listens).</summary>
    public void Connect()
    {
        var address = App.GetListenAddresses()[0];
        BaseAddress = new Uri($"http://{address.Host}:{address.Port}/");
        Client.Dispose();
        Client = NewClient();
    }

    /// <summary>
    /// The API token the server generated at start (read from the workspace's runtime folder, as a local client does);
    /// null when <c>server.api_token</c> is configured or the server has not started.
    /// </summary>
    public string? GeneratedToken => Duragent.Security.ApiTokenStore.Read(Workspace.ApiTokenFile);

    /// <summary>A client that sends <paramref name="token"/>, or the generated token when none is given and one exists.</summary>
    public HttpClient NewClient(string? token = null) => NewClientWith(token ?? GeneratedToken);

    /// <summary>A client that sends no token at all.</summary>
    public HttpClient NewAnonymousClient() => NewClientWith(null);

    private HttpClient NewClientWith(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = Wait };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public static void WriteAgent(string root, string name, FakeLlmServer llm, string onDisconnect = "pause", string tools = "[{type: builtin, name: bash}]", string? policy = null)
    {
        var dir = Path.Combine(root, "agents", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "agent.yaml"), $"""
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: {name}
              description: A test assistant
              version: "1.2"
              labels:
                team: qa
            spec:
              model:
                provider: openai-compatible
                name: test-model
                base_url: {llm.OpenAiBaseUrl}
                temperature: 0.2
              system_prompt: ./SYSTEM_PROMPT.md
              session:
                on_disconnect: {onDisconnect}
                max_tool_iterations: 5
              tools: {tools}
            """);
        File.WriteAllText(Path.Combine(dir, "SYSTEM_PROMPT.md"), "SECRET-PROMPT-TEXT You are {{agent.name}}.");
        if (policy is not null)
        {
            File.WriteAllText(Path.Combine(dir, "policy.yaml"), policy);
        }
    }

    private static void WriteWorkspace(string root, FakeLlmServer llm, string[] server, string onDisconnect, string? policy, string tools, string host, string? extra, int port)
    {
        var yaml = new StringBuilder("agents_dir: ./agents\nserver:\n");
        yaml.Append("  host: \"").Append(host).Append("\"\n  port: ").Append(port).Append('\n');
        foreach (var line in server)
        {
            yaml.Append("  ").Append(line).Append('\n');
        }

        yaml.Append(extra);
        File.WriteAllText(Path.Combine(root, "duragent.yaml"), yaml.ToString());
        WriteAgent(root, "assistant", llm, onDisconnect, tools, policy);
    }

    // ---------------------------------------------------------------- helpers

    public async Task<SessionInfo> CreateSessionAsync(string agent = "assistant", string? id = null, string? onDisconnect = null)
    {
        var body = new Dictionary<string, string> { ["agent"] = agent };
        if (id is not null)
        {
            body["session_id"] = id;
        }

        if (onDisconnect is not null)
        {
            body["on_disconnect"] = onDisconnect;
        }

        using var response = await Client.PostAsync("api/v1/sessions", Json(JsonSerializer.Serialize(body)));
        await Http.ExpectAsync(response, 201);
        return await Http.ReadAsync(response, SessionJsonContext.Default.SessionInfo);
    }

    public async Task<MessageAccepted> SendAsync(string sessionId, string content)
    {
        using var response = await Client.PostAsync($"api/v1/sessions/{sessionId}/messages", Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["content"] = content })));
        await Http.ExpectAsync(response, 202);
        return await Http.ReadAsync(response, SessionJsonContext.Default.MessageAccepted);
    }

    public async Task<SessionInfo> GetSessionAsync(string sessionId)
    {
        using var response = await Client.GetAsync($"api/v1/sessions/{sessionId}");
        await Http.ExpectAsync(response, 200);
        return await Http.ReadAsync(response, SessionJsonContext.Default.SessionInfo);
    }

    /// <summary>The session's stored events, through the API.</summary>
    public async Task<List<JsonElement>> EventsAsync(string sessionId)
    {
        var all = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            using var response = await Client.GetAsync($"api/v1/sessions/{sessionId}/events?after={after}&limit=1000");
            await Http.ExpectAsync(response, 200);
            var page = await Http.ReadAsync(response, GatewayJsonContext.Default.SessionEventsPage);
            all.AddRange(page.Events);
            after = page.NextAfter;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A fingerprint of every file under the sessions directory (path, size, SHA-256), for "nothing stored changed".</summary>
    public string StorageFingerprint()
    {
        var dir = Workspace.Directory;
        if (!Directory.Exists(dir))
        {
            return "(none)";
        }

        var lines = Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".lock", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => File.Exists(p)
                ? $"{Path.GetRelativePath(dir, p)} {new FileInfo(p).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}"
                : $"{Path.GetRelativePath(dir, p)}/");
        return string.Join("\n", lines);
    }

    /// <summary>Completes once the host has stopped (after the admin shutdown, for example).</summary>
    public Task Stopped => _shutdown ?? throw new InvalidOperationException("The server was not started by the kit.");

    /// <summary>Stops the host gracefully (idempotent).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (_shutdown is not null)
        {
            App.Lifetime.StopApplication();
            await _shutdown.WaitFor("the server to stop", Wait);
            return;
        }

        using var timeout = new CancellationTokenSource(Wait);
        await App.StopAsync(timeout.Token);
    }

    // Disposing the host's services closes the file storage and releases the workspace lock.
    private async Task DisposeAppAsync()
    {
        if (!_appDisposed)
        {
            _appDisposed = true;
            await App.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await StopAsync();
        }
        finally
        {
            await DisposeAppAsync();
            if (_owner)
            {
                await Llm.DisposeAsync();
                _directory.Dispose();
            }
        }
    }
}
