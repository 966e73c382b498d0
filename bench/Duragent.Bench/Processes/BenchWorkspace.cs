using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Duragent.Bench.Processes;

/// <summary>
/// A workspace for a <c>duragent serve</c> child process: <c>duragent.yaml</c> on a free loopback port and one agent,
/// <c>bench</c>, whose model is served by the fake LLM at <c>llmBaseUrl</c> (continue on disconnect, no tools).
/// </summary>
internal sealed class BenchWorkspace
{
    public const string AgentName = "bench";

    private BenchWorkspace(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    /// <summary>The directory holding <c>duragent.yaml</c> and <c>.duragent/</c>.</summary>
    public string Directory { get; }

    public int Port { get; }

    public string ConfigFile => Path.Combine(Directory, "duragent.yaml");

    public string StateDirectory => Path.Combine(Directory, ".duragent");

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>Where the server writes the API token it generates at start.</summary>
    public string TokenFile => Path.Combine(StateDirectory, "run", "api-token");

    /// <summary>Writes a workspace in <paramref name="directory"/> (created; must not hold one already).</summary>
    public static BenchWorkspace Create(string directory, string llmBaseUrl, int maxConnections = 4096, int? collectionAgeMinutes = null, string? extraAgentYaml = null)
    {
        var agentDirectory = Path.Combine(directory, ".duragent", "agents", AgentName);
        System.IO.Directory.CreateDirectory(agentDirectory);
        var workspace = new BenchWorkspace(directory, FreePort());
        var config = string.Create(CultureInfo.InvariantCulture,
            $"server:\n  host: 127.0.0.1\n  port: {workspace.Port}\n  max_connections: {maxConnections}\n");
        if (collectionAgeMinutes is { } minutes)
        {
            config += string.Create(CultureInfo.InvariantCulture, $"runtime:\n  collection_age_minutes: {minutes}\n");
        }

        File.WriteAllText(workspace.ConfigFile, config);
        File.WriteAllText(Path.Combine(agentDirectory, "agent.yaml"), $"""
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: {AgentName}
              description: Benchmark agent on the fake LLM
            spec:
              model:
                provider: openai-compatible
                name: fake-model
                base_url: {llmBaseUrl}
              session:
                on_disconnect: continue
            {extraAgentYaml ?? string.Empty}
            """);
        return workspace;
    }

    /// <summary>Moves the workspace to another free port (a copy of a workspace, or a port taken meanwhile).</summary>
    public static BenchWorkspace Open(string directory)
    {
        var configFile = Path.Combine(directory, "duragent.yaml");
        var lines = File.ReadAllLines(configFile);
        var port = FreePort();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("port:", StringComparison.Ordinal))
            {
                lines[i] = string.Create(CultureInfo.InvariantCulture, $"  port: {port}");
            }
        }

        File.WriteAllLines(configFile, lines);
        return new BenchWorkspace(directory, port);
    }

    /// <summary><c>duragent serve --config … -q</c> in the workspace directory; stderr and stdout go to <paramref name="logFile"/>.</summary>
    public ChildProcess StartServer(string exe, string logFile, IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.Start(exe, ["serve", "--config", ConfigFile, "-q"], Directory, logFile, environment);

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
