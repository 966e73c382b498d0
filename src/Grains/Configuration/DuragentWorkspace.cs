using System.Security.Cryptography;
using System.Text;

namespace Duragent.Configuration;

/// <summary>
/// Every path of a workspace, resolved from its <see cref="DuragentConfig"/>, and the workspace hash that
/// <c>/readyz</c> reports and the CLI compares before reusing a running server.
/// </summary>
/// <remarks>
/// Defaults follow the original layout: the workspace is <c>&lt;config dir&gt;/.duragent</c>; agents, sessions,
/// world memory, directives, tools, processes and the workspace policy live below it; schedules live next to
/// the sessions directory (<c>&lt;parent of sessions&gt;/schedules</c>); server logs always go to
/// <c>&lt;config dir&gt;/.duragent/logs</c>, whatever the workspace setting.
/// </remarks>
public sealed class DuragentWorkspace
{
    /// <summary>The default workspace directory name, next to the config file: <c>.duragent</c>.</summary>
    public const string DefaultDirectoryName = ".duragent";

    public DuragentWorkspace(DuragentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        ConfigFile = config.ConfigFile;
        ConfigDirectory = config.ConfigDirectory;
        Directory = config.Workspace ?? Path.Combine(ConfigDirectory, DefaultDirectoryName);
        AgentsDirectory = config.AgentsDir ?? Path.Combine(Directory, "agents");
        SessionsDirectory = config.Services.Session.Path ?? Path.Combine(Directory, "sessions");
        WorldMemoryDirectory = config.WorldMemory.Path ?? Path.Combine(Directory, "memory", "world");
        DirectivesDirectory = Path.Combine(Directory, "directives");
        ToolsDirectory = Path.Combine(Directory, "tools");
        ProcessesDirectory = Path.Combine(Directory, "processes");
        ArtifactsDirectory = Path.Combine(Directory, "artifacts");
        PolicyFile = Path.Combine(Directory, "policy.yaml");
        var sessionsParent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(SessionsDirectory)) ?? Directory;
        SchedulesDirectory = Path.Combine(sessionsParent, "schedules");
        ScheduleRunsDirectory = Path.Combine(SchedulesDirectory, "runs");
        LogsDirectory = Path.Combine(ConfigDirectory, DefaultDirectoryName, "logs");
        RuntimeDirectory = Path.Combine(ConfigDirectory, DefaultDirectoryName, "run");
        NodeFile = Path.Combine(RuntimeDirectory, "node.json");
        ApiTokenFile = Path.Combine(RuntimeDirectory, "api-token");
        CaCertificateFile = Path.Combine(RuntimeDirectory, "ca.crt");
        ServerCertificateFile = Path.Combine(RuntimeDirectory, "server.pem");
        ClientCertificateFile = Path.Combine(RuntimeDirectory, "client.pem");
        Hash = ComputeHash(Directory);
    }

    /// <summary>The configuration the paths come from.</summary>
    public DuragentConfig Config { get; }

    /// <summary>The full path of <c>duragent.yaml</c> (which need not exist).</summary>
    public string ConfigFile { get; }

    /// <summary>The directory of the config file.</summary>
    public string ConfigDirectory { get; }

    /// <summary>The workspace (state) directory: <c>workspace</c>, or <c>&lt;config dir&gt;/.duragent</c>.</summary>
    public string Directory { get; }

    /// <summary><c>agents_dir</c>, or <c>{workspace}/agents</c>.</summary>
    public string AgentsDirectory { get; }

    /// <summary><c>services.session.path</c>, or <c>{workspace}/sessions</c>.</summary>
    public string SessionsDirectory { get; }

    /// <summary><c>world_memory.path</c>, or <c>{workspace}/memory/world</c>.</summary>
    public string WorldMemoryDirectory { get; }

    /// <summary>Workspace-wide directives: <c>{workspace}/directives</c>.</summary>
    public string DirectivesDirectory { get; }

    /// <summary>Workspace-wide discovered tools: <c>{workspace}/tools</c>.</summary>
    public string ToolsDirectory { get; }

    /// <summary>Background process logs and metadata: <c>{workspace}/processes</c>.</summary>
    public string ProcessesDirectory { get; }

    /// <summary>Files produced for users: <c>{workspace}/artifacts</c>.</summary>
    public string ArtifactsDirectory { get; }

    /// <summary>The workspace tool policy: <c>{workspace}/policy.yaml</c>.</summary>
    public string PolicyFile { get; }

    /// <summary>Schedules: <c>&lt;parent of the sessions directory&gt;/schedules</c>.</summary>
    public string SchedulesDirectory { get; }

    /// <summary>Schedule run logs: <c>{schedules}/runs</c>.</summary>
    public string ScheduleRunsDirectory { get; }

    /// <summary>Server logs: always <c>&lt;config dir&gt;/.duragent/logs</c>.</summary>
    public string LogsDirectory { get; }

    /// <summary>
    /// The runtime folder, <c>&lt;config dir&gt;/.duragent/run</c> (mode 0700 when the server creates it): the node file and
    /// the credentials of the local server. Whoever can read it can drive the agent.
    /// </summary>
    public string RuntimeDirectory { get; }

    /// <summary>The HTTP token a server generates when <c>server.api_token</c> is not set: <c>{run}/api-token</c> (0600).</summary>
    public string ApiTokenFile { get; }

    /// <summary>The certificate of the workspace's private CA (no key is kept): <c>{run}/ca.crt</c>.</summary>
    public string CaCertificateFile { get; }

    /// <summary>The silo's certificate and key for the Orleans ports (PEM): <c>{run}/server.pem</c> (0600).</summary>
    public string ServerCertificateFile { get; }

    /// <summary>The client certificate and key the CLI presents to the Orleans gateway (PEM): <c>{run}/client.pem</c> (0600).</summary>
    public string ClientCertificateFile { get; }

    /// <summary>
    /// Where a running server records its pid and endpoints for clients (<c>&lt;config dir&gt;/.duragent/run/node.json</c>):
    /// the CLI finds the silo's Orleans gateway there.
    /// </summary>
    public string NodeFile { get; }

    /// <summary>The workspace hash: lowercase SHA-256 hex of the canonical workspace path (see <see cref="ComputeHash"/>).</summary>
    public string Hash { get; }

    /// <summary>
    /// True when this looks like an initialized workspace: the config file or the workspace directory exists.
    /// Commands other than <c>init</c> refuse to run otherwise.
    /// </summary>
    public bool IsInitialized => File.Exists(ConfigFile) || System.IO.Directory.Exists(Directory);

    /// <summary>The log file of a server started by the CLI on <paramref name="port"/>: <c>{logs}/server-&lt;port&gt;.log</c>.</summary>
    public string ServerLogFile(int port) => Path.Combine(LogsDirectory, $"server-{port}.log");

    /// <summary>Lowercase SHA-256 hex of the UTF-8 bytes of the canonical form of <paramref name="workspaceDirectory"/>.</summary>
    public static string ComputeHash(string workspaceDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspaceDirectory);
        var canonical = CanonicalPath.Get(workspaceDirectory);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public override string ToString() => $"Workspace {Directory} (config {ConfigFile}, hash {Hash[..12]})";
}
