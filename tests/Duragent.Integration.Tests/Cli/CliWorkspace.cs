using System.Diagnostics;
using System.Text.Json;
using Duragent.Configuration;
using Duragent.FakeLlm;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// A workspace for end-to-end CLI tests: <c>duragent.yaml</c> on a free port, one agent (<c>assistant</c>) whose
/// model is served by a <see cref="FakeLlmServer"/> over HTTP, a private <c>HOME</c>. Every process started through
/// it is killed on dispose, and so is any server still answering on the workspace's port for this workspace
/// (servers the launcher started outlive the client that started them).
/// </summary>
internal sealed class CliWorkspace : IAsyncDisposable
{
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _root = new("cli-e2e");
    private readonly List<CliProcess> _processes = [];

    private CliWorkspace(FakeLlmServer llm)
    {
        Llm = llm;
        Home = Path.Combine(_root.Path, "home");
        Directory = Path.Combine(_root.Path, "ws");
        System.IO.Directory.CreateDirectory(Home);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, ".duragent", "agents", "assistant"));
        Port = FreePort.Get();
        GatewayPort = FreePort.Get();
    }

    public FakeLlmServer Llm { get; }

    public string Home { get; }

    /// <summary>The directory holding <c>duragent.yaml</c> (the working directory of every process).</summary>
    public string Directory { get; }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>The silo's Orleans client gateway port (<c>runtime.gateway_port</c>), fixed so that it stays across restarts.</summary>
    public int GatewayPort { get; }

    /// <summary><c>127.0.0.1:&lt;GatewayPort&gt;</c>, for <c>--gateway</c>.</summary>
    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public string ConfigFile => Path.Combine(Directory, "duragent.yaml");

    public string WorkspaceHash => DuragentWorkspace.ComputeHash(Path.Combine(Directory, ".duragent"));

    /// <summary>The runtime folder: node file, generated API token, TLS certificates.</summary>
    public string RuntimeDirectory => Path.Combine(Directory, ".duragent", "run");

    /// <summary>The API token the running server generated (null when none runs or one is configured).</summary>
    public string? GeneratedToken => Duragent.Security.ApiTokenStore.Read(Path.Combine(RuntimeDirectory, "api-token"));

    /// <summary>Credentials as the owner's HTTP clients have them: the configured token, else the generated one (read per request).</summary>
    public Duragent.Integration.Tests.Http.HttpCredentials Credentials =>
        Duragent.Integration.Tests.Http.HttpCredentials.Resolve(Duragent.Configuration.DuragentConfigLoader.Load(ConfigFile).Config, _ => null);

    /// <summary>An HTTP client of the workspace's server that sends the owner's token at every request (it changes at each start).</summary>
    public HttpClient NewHttpClient(TimeSpan? timeout = null) =>
        new(new TokenHandler(Credentials) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(100) };

    public string ServerLog => Path.Combine(Directory, ".duragent", "logs", $"server-{Port}.log");

    public Dictionary<string, string?> Environment { get; } = [];

    public static async Task<CliWorkspace> CreateAsync(string onDisconnect = "continue", int idleShutdownSeconds = 300, string? apiToken = null, bool bashTool = false)
    {
        var llm = await FakeLlmServer.StartAsync();
        var workspace = new CliWorkspace(llm);
        var config = $"server:\n  host: 127.0.0.1\n  port: {workspace.Port}\n" +
            (apiToken is null ? string.Empty : $"  api_token: {apiToken}\n") +
            $"client:\n  idle_shutdown_seconds: {idleShutdownSeconds}\n" +
            $"runtime:\n  gateway_port: {workspace.GatewayPort}\n";
        await File.WriteAllTextAsync(workspace.ConfigFile, config);
        var agent = $"""
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: assistant
              description: Test agent on the fake LLM
            spec:
              model:
                provider: openai-compatible
                name: fake-model
                base_url: {llm.OpenAiBaseUrl}
              session:
                on_disconnect: {onDisconnect}

            """;
        if (bashTool)
        {
            agent += "  tools:\n    - type: builtin\n      name: bash\n";
            await File.WriteAllTextAsync(Path.Combine(workspace.Directory, ".duragent", "agents", "assistant", "policy.yaml"),
                "apiVersion: duragent/v1alpha1\nkind: Policy\nmode: ask\n");
        }

        await File.WriteAllTextAsync(Path.Combine(workspace.Directory, ".duragent", "agents", "assistant", "agent.yaml"), agent);
        return workspace;
    }

    /// <summary>Starts a process of the real executable in the workspace directory.</summary>
    public CliProcess Start(params string[] args)
    {
        var process = CliProcess.Start(Directory, Home, args, Environment);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary><c>duragent serve</c>, once its ready line is out.</summary>
    public async Task<CliProcess> ServeAsync(params string[] extra)
    {
        var serve = Start(["serve", .. extra]);
        await serve.WaitForStdoutAsync($"ready on http://127.0.0.1:{Port}", ProcessTimeout);
        return serve;
    }

    /// <summary>Runs a command to its end with <paramref name="stdin"/> as its input.</summary>
    public async Task<CliResult> RunAsync(string stdin, params string[] args)
    {
        var process = Start(args);
        await process.Stdin.WriteAsync(stdin);
        process.Stdin.Close();
        return await process.WaitForExitAsync(ProcessTimeout, $"duragent {string.Join(' ', args)}");
    }

    /// <summary>The pid of the server answering on the workspace's port for this workspace, or null.</summary>
    public async Task<int?> FindServerPidAsync()
    {
        using var http = NewHttpClient(TimeSpan.FromSeconds(2));
        try
        {
            using var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(BaseUrl, "readyz")));
            return ready.RootElement.GetProperty("workspace_hash").GetString() == WorkspaceHash
                ? ready.RootElement.GetProperty("pid").GetInt32()
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Completes once nothing answers on the port any more (the server stopped).</summary>
    public async Task WaitForServerGoneAsync(TimeSpan timeout, string why)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(100);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "livez"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The server on port {Port} still answers after {timeout.TotalSeconds:0} s; expected it to stop ({why}).");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<CliProcess> processes;
        lock (_processes)
        {
            processes = [.. _processes];
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        if (await FindServerPidAsync() is { } pid)
        {
            try
            {
                using var server = Process.GetProcessById(pid);
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }

        await Llm.DisposeAsync();
        _root.Dispose();
    }
}

/// <summary>Adds <c>Authorization: Bearer</c> with the current API token of <see cref="Duragent.Integration.Tests.Http.HttpCredentials"/> to every request.</summary>
internal sealed class TokenHandler(Duragent.Integration.Tests.Http.HttpCredentials credentials) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = request.RequestUri?.AbsolutePath.StartsWith("/api/admin", StringComparison.Ordinal) == true ? credentials.AdminToken : credentials.ApiToken;
        if (token is not null && request.Headers.Authorization is null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
