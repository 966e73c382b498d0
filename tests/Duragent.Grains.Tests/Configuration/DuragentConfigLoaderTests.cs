using Duragent.Configuration;
using Duragent.Storage;

namespace Duragent.Grains.Tests.Configuration;

public class DuragentConfigLoaderTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    private string ConfigFile => _dir.Combine("duragent.yaml");

    public void Dispose() => _dir.Dispose();

    private DuragentConfigLoadResult Parse(string yaml, Dictionary<string, string>? env = null) =>
        DuragentConfigLoader.Parse(yaml, ConfigFile, name => env?.GetValueOrDefault(name));

    private ConfigurationException ParseFails(string yaml, Dictionary<string, string>? env = null) =>
        Assert.Throws<ConfigurationException>(() => Parse(yaml, env));

    [Fact]
    public void Load_MissingFile_GivesDefaults()
    {
        var result = DuragentConfigLoader.Load(ConfigFile);
        var config = result.Config;

        Assert.Empty(result.Warnings);
        Assert.False(config.FileExists);
        Assert.Equal(ConfigFile, config.ConfigFile);
        Assert.Equal(_dir.Path, config.ConfigDirectory);
        Assert.Null(config.Workspace);
        Assert.Null(config.AgentsDir);
        Assert.Equal("127.0.0.1", config.Server.Host);
        Assert.Equal(8080, config.Server.Port);
        Assert.Equal(300, config.Server.RequestTimeoutSeconds);
        Assert.Equal(60, config.Server.IdleTimeoutSeconds);
        Assert.Equal(15, config.Server.KeepAliveIntervalSeconds);
        Assert.Null(config.Server.AdminToken);
        Assert.Null(config.Server.ApiToken);
        Assert.Equal(1024, config.Server.MaxConnections);
        Assert.Equal(2 * 1024 * 1024, config.Server.MaxBodyBytes);
        Assert.False(config.Server.AllowUnauthenticatedRemote);
        Assert.Null(config.Services.Session.Path);
        Assert.Null(config.WorldMemory.Path);
        Assert.Equal(168, config.Sessions.TtlHours);
        Assert.Equal(CompactionMode.Keep, config.Sessions.Compaction);
        Assert.Equal(50, config.Sessions.SnapshotEveryEvents);
        Assert.Equal(15, config.Runtime.CollectionAgeMinutes);
        Assert.Equal(SandboxMode.Trust, config.Sandbox.Mode);
        Assert.Null(config.Gateways.Telegram);
        Assert.Null(config.Gateways.Discord);
        Assert.Empty(config.Gateways.External);
        Assert.Empty(config.Routes);
        Assert.Equal(300, config.Client.IdleShutdownSeconds);
    }

    [Fact]
    public void Load_DirectoryInsteadOfFile_IsAnError()
    {
        var ex = Assert.Throws<ConfigurationException>(() => DuragentConfigLoader.Load(_dir.Path));

        Assert.Contains("is a directory; expected a YAML file", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    public void Parse_EmptyFile_GivesDefaults(string yaml)
    {
        var result = Parse(yaml);

        Assert.True(result.Config.FileExists);
        Assert.Equal(8080, result.Config.Server.Port);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Load_ReadsTheFileFromDisk()
    {
        File.WriteAllText(ConfigFile, "server:\n  port: 9000\n");

        var result = DuragentConfigLoader.Load(ConfigFile);

        Assert.True(result.Config.FileExists);
        Assert.Equal(9000, result.Config.Server.Port);
    }

    [Fact]
    public void Parse_ReadsEveryField()
    {
        var yaml = """
            workspace: ./state
            agents_dir: ./my-agents
            server:
              host: 0.0.0.0
              port: 9999
              request_timeout_seconds: 120
              idle_timeout_seconds: 30
              keep_alive_interval_seconds: 5
              admin_token: admin-token-0123456789
              api_token: api-token-0123456789
              max_connections: 64
              max_body_bytes: 1048576
              allow_unauthenticated_remote: true
              cors_origins: ["http://localhost:5173", "https://ui.example.com"]
              stream_token_seconds: 30
            services:
              session:
                path: /var/lib/duragent/sessions
            world_memory:
              path: world
            sessions:
              ttl_hours: 0
              compaction: discard
              snapshot_every_events: 10
            runtime:
              collection_age_minutes: 2
            sandbox:
              mode: bubblewrap
              network: false
              memory_mb: 512
              max_processes: 64
              env: [GITHUB_TOKEN]
              writable: [/srv/projects]
            gateways:
              telegram:
                bot_token: tg-token
              discord:
                enabled: false
              external:
                - name: slack
                  command: ./plugins/slack-gateway
                  args: [--verbose, "2"]
                  env:
                    SLACK_TOKEN: xoxb
                  restart: always
                - name: matrix
                  command: duragent-matrix
            routes:
              - match:
                  gateway: telegram
                  chat_type: dm
                  chat_id: -100123
                  sender_id: "42"
                agent: helper
              - agent: fallback
            client:
              idle_shutdown_seconds: 0
            """;

        var result = Parse(yaml);
        var config = result.Config;

        Assert.Empty(result.Warnings);
        Assert.Equal(new SandboxConfig { Mode = SandboxMode.Bubblewrap, Network = false, MemoryMb = 512, MaxProcesses = 64 }, config.Sandbox with { Environment = [], Writable = [] });
        Assert.Equal(["GITHUB_TOKEN"], config.Sandbox.Environment);
        Assert.Equal(["/srv/projects"], config.Sandbox.Writable);
        Assert.Equal(_dir.Combine("state"), config.Workspace);
        Assert.Equal(_dir.Combine("my-agents"), config.AgentsDir);
        Assert.Equal("0.0.0.0", config.Server.Host);
        Assert.Equal(9999, config.Server.Port);
        Assert.Equal(120, config.Server.RequestTimeoutSeconds);
        Assert.Equal(30, config.Server.IdleTimeoutSeconds);
        Assert.Equal(5, config.Server.KeepAliveIntervalSeconds);
        Assert.Equal("admin-token-0123456789", config.Server.AdminToken);
        Assert.Equal("api-token-0123456789", config.Server.ApiToken);
        Assert.Equal(64, config.Server.MaxConnections);
        Assert.Equal(1048576, config.Server.MaxBodyBytes);
        Assert.True(config.Server.AllowUnauthenticatedRemote);
        Assert.Equal(["http://localhost:5173", "https://ui.example.com"], config.Server.CorsOrigins);
        Assert.Equal(30, config.Server.StreamTokenSeconds);
        Assert.Equal("/var/lib/duragent/sessions", config.Services.Session.Path);
        Assert.Equal(_dir.Combine("world"), config.WorldMemory.Path);
        Assert.Equal(0, config.Sessions.TtlHours);
        Assert.Equal(CompactionMode.Discard, config.Sessions.Compaction);
        Assert.Equal(10, config.Sessions.SnapshotEveryEvents);
        Assert.Equal(2, config.Runtime.CollectionAgeMinutes);
        Assert.Equal(SandboxMode.Bubblewrap, config.Sandbox.Mode);
        Assert.Equal(new BuiltInGatewayConfig { Enabled = true, BotToken = "tg-token" }, config.Gateways.Telegram);
        Assert.Equal(new BuiltInGatewayConfig { Enabled = false }, config.Gateways.Discord);
        Assert.Equal(2, config.Gateways.External.Count);
        var slack = config.Gateways.External[0];
        Assert.Equal("slack", slack.Name);
        Assert.Equal(_dir.Combine("plugins", "slack-gateway"), slack.Command);
        Assert.Equal(["--verbose", "2"], slack.Args);
        Assert.Equal("xoxb", slack.Env["SLACK_TOKEN"]);
        Assert.Equal(GatewayRestartPolicy.Always, slack.Restart);
        var matrix = config.Gateways.External[1];
        Assert.Equal("duragent-matrix", matrix.Command);
        Assert.Equal(GatewayRestartPolicy.OnFailure, matrix.Restart);
        Assert.Empty(matrix.Args);
        Assert.Equal(2, config.Routes.Count);
        Assert.Equal(new RouteMatch { Gateway = "telegram", ChatType = "dm", ChatId = "-100123", SenderId = "42" }, config.Routes[0].Match);
        Assert.Equal("helper", config.Routes[0].Agent);
        Assert.Equal(new RouteMatch(), config.Routes[1].Match);
        Assert.Equal("fallback", config.Routes[1].Agent);
        Assert.Equal(0, config.Client.IdleShutdownSeconds);
    }

    [Theory]
    [InlineData("archive", CompactionMode.Archive)]
    [InlineData("discard", CompactionMode.Discard)]
    [InlineData("keep", CompactionMode.Keep)]
    [InlineData("disabled", CompactionMode.Keep)]
    public void Parse_CompactionValues_MapToStorageModes(string value, CompactionMode expected)
    {
        var config = Parse($"sessions:\n  compaction: {value}\n").Config;

        Assert.Equal(expected, config.Sessions.Compaction);
    }

    [Fact]
    public void Parse_ExpandsEnvironmentVariablesBeforeParsing()
    {
        var env = new Dictionary<string, string> { ["PORT"] = "7070", ["TOKEN"] = "from-the-environment-123" };

        var config = Parse("server:\n  port: ${PORT}\n  api_token: ${TOKEN}\n  admin_token: ${ADMIN:-}\n  host: ${HOST:-127.0.0.2}\n", env).Config;

        Assert.Equal(7070, config.Server.Port);
        Assert.Equal("from-the-environment-123", config.Server.ApiToken);
        Assert.Null(config.Server.AdminToken);
        Assert.Equal("127.0.0.2", config.Server.Host);
    }

    [Theory]
    [InlineData("http://localhost:5173/")]
    [InlineData("http://localhost:5173/app")]
    [InlineData("*")]
    [InlineData("localhost:5173")]
    [InlineData("ftp://files.example.com")]
    public void Parse_CorsOriginThatIsNotAnOrigin_ErrorNamesIt(string origin)
    {
        var ex = ParseFails($"server:\n  cors_origins: [\"{origin}\"]\n");

        var error = Assert.Single(ex.Diagnostics);
        Assert.Contains("server.cors_origins", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"'{origin}' is not a web origin", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnsetVariable_ErrorNamesVariableFileAndLine()
    {
        var ex = ParseFails("server:\n  port: 8080\n  api_token: ${DURAGENT_API_TOKEN}\n");

        var error = Assert.Single(ex.Diagnostics);
        Assert.Equal($"{ConfigFile}:3:14: error: environment variable 'DURAGENT_API_TOKEN' is not set; expected it to be set, or write ${{DURAGENT_API_TOKEN:-default}} to give a default", error.ToString());
        Assert.Contains(error.ToString(), ex.Message);
    }

    [Fact]
    public void Parse_UnclosedReference_ErrorWithLineAndColumn()
    {
        var ex = ParseFails("server:\n  host: ${HOST\n");

        Assert.Contains($"{ConfigFile}:2:9: error: unclosed '${{'", ex.Message);
    }

    [Fact]
    public void Parse_WrongType_ErrorNamesFileLineColumnAndExpectation()
    {
        var ex = ParseFails("server:\n  port: eighty\n");

        var error = Assert.Single(ex.Errors);
        Assert.Equal($"{ConfigFile}:2:9: error: server.port: expected a whole number from 0 to 65535, found 'eighty'", error.ToString());
    }

    [Fact]
    public void Parse_OutOfRange_IsAnError()
    {
        var ex = ParseFails("server:\n  port: 70000\nsessions:\n  snapshot_every_events: 0\n");

        Assert.Equal(
            [
                $"{ConfigFile}:2:9: error: server.port: expected a whole number from 0 to 65535, found 70000",
                $"{ConfigFile}:4:26: error: sessions.snapshot_every_events: expected a whole number ≥ 1, found 0",
            ],
            ex.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_BadSandbox_NamesEachProblemWithItsLine()
    {
        var ex = ParseFails("sandbox:\n  mode: docker\n  memory_mb: -1\n  env: [\"A=B\"]\n  writable: [relative/dir]\n");

        Assert.Equal(
            [
                $"{ConfigFile}:2:9: error: sandbox.mode: 'docker' is not supported; use 'bubblewrap' (or 'auto'), and run the whole server in a container if you want one",
                $"{ConfigFile}:3:14: error: sandbox.memory_mb: expected a whole number from 0 to 1048576, found -1",
                $"{ConfigFile}:4:8: error: sandbox.env: 'A=B' is not an environment variable name",
                $"{ConfigFile}:5:13: error: sandbox.writable: 'relative/dir' is not an absolute path",
            ],
            ex.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_UnknownEnumValue_ListsTheExpectedOnes()
    {
        var ex = ParseFails("sessions:\n  compaction: shred\nsandbox:\n  mode: chroot\n");

        Assert.Equal(
            [
                $"{ConfigFile}:2:15: error: sessions.compaction: expected one of archive, discard, keep, disabled, found 'shred'",
                $"{ConfigFile}:4:9: error: sandbox.mode: expected one of trust, bubblewrap, auto, found 'chroot'",
            ],
            ex.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_SectionOfWrongShape_IsAnError()
    {
        var ex = ParseFails("server: 8080\n");

        Assert.Equal($"{ConfigFile}:1:9: error: server: expected a mapping, found '8080'", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Parse_SyntaxError_IsLocated()
    {
        var ex = ParseFails("server:\n  port: 8080\n host: x\n");

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith($"{ConfigFile}:3:", error.ToString());
        Assert.Contains("invalid YAML", error.Message);
        Assert.Contains("Expected well-formed YAML", error.Message);
    }

    [Fact]
    public void Parse_UnknownKeys_AreWarningsNamingKeyAndLocation()
    {
        var result = Parse("server:\n  prot: 9000\nlogging:\n  level: debug\n");

        Assert.Equal(
            [
                $"{ConfigFile}:2:3: warning: unknown key 'prot' in server is ignored; did you mean 'port'?",
                $"{ConfigFile}:3:1: warning: unknown key 'logging' at the top level is ignored",
            ],
            result.Warnings.Select(w => w.ToString()));
        Assert.Equal(8080, result.Config.Server.Port);
    }

    [Fact]
    public void Parse_ComplexKey_IsAWarning()
    {
        var result = Parse("server:\n  ? [a, b]\n  : 1\n");

        Assert.Equal($"{ConfigFile}:2:5: warning: a key that is a list in server is ignored; expected plain text keys", Assert.Single(result.Warnings).ToString());
    }

    [Fact]
    public void Parse_ShortToken_IsAWarning()
    {
        var result = Parse("server:\n  api_token: short\n");

        var warning = Assert.Single(result.Warnings);
        Assert.Contains($"{ConfigFile}:2:3: warning: server.api_token: the token is shorter than 16 characters", warning.ToString());
    }

    [Fact]
    public void Parse_ExternalGatewayWithoutCommand_IsAnError()
    {
        var ex = ParseFails("gateways:\n  external:\n    - name: x\n");

        Assert.Equal(
            $"{ConfigFile}:3:7: error: gateways.external[0].command is missing; expected the plugin executable, a name on PATH or a path such as ./plugins/my-gateway",
            Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Parse_DuplicateGatewayNames_AreAnError()
    {
        var ex = ParseFails("gateways:\n  external:\n    - name: a\n      command: x\n    - name: a\n      command: y\n");

        Assert.Contains("gateways.external[1].name: a gateway named 'a' is already defined", Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Parse_BadRestartPolicy_IsAnError()
    {
        var ex = ParseFails("gateways:\n  external:\n    - name: a\n      command: x\n      restart: sometimes\n");

        Assert.Equal($"{ConfigFile}:5:16: error: gateways.external[0].restart: expected one of always, on_failure, never, found 'sometimes'", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Parse_TelegramWithoutToken_IsAnError()
    {
        var ex = ParseFails("gateways:\n  telegram:\n    enabled: true\n");

        Assert.Contains("gateways.telegram.bot_token is missing; expected the bot token, for example bot_token: ${TELEGRAM_BOT_TOKEN}", Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Parse_RouteWithInvalidAgentName_IsAnError()
    {
        var ex = ParseFails("routes:\n  - agent: ../etc\n");

        Assert.Contains($"{ConfigFile}:2:12: error: routes[0].agent: '../etc' is not a valid agent name", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Parse_ReportsEveryErrorAtOnce()
    {
        var ex = ParseFails("server:\n  port: x\n  max_connections: y\nruntime:\n  collection_age_minutes: z\n");

        Assert.Equal(3, ex.Errors.Count());
        Assert.Contains("(3 errors)", ex.Message);
    }

    [Fact]
    public void ToString_RedactsTokens()
    {
        var config = Parse("""
            server:
              admin_token: admin-secret-value-0001
              api_token: api-secret-value-00002
            gateways:
              telegram:
                bot_token: telegram-secret-value
              external:
                - name: x
                  command: y
                  env:
                    KEY: external-secret-value
            """).Config;

        var text = config.ToString();

        Assert.DoesNotContain("admin-secret-value", text);
        Assert.DoesNotContain("api-secret-value", text);
        Assert.DoesNotContain("telegram-secret-value", text);
        Assert.DoesNotContain("external-secret-value", text);
        Assert.Contains("ApiToken = ***", text);
        Assert.Contains("KEY=***", text);
    }

    [Theory]
    [InlineData("127.0.0.1", null, false, true)]
    [InlineData("localhost", null, false, true)]
    [InlineData("::1", null, false, true)]
    [InlineData("127.1.2.3", null, false, true)]
    [InlineData("::ffff:127.0.0.1", null, false, true)]
    [InlineData("0.0.0.0", null, false, false)]
    [InlineData("::", null, false, false)]
    [InlineData("192.168.1.10", null, false, false)]
    [InlineData("0.0.0.0", "a-long-enough-api-token", false, true)]
    [InlineData("0.0.0.0", null, true, true)]
    public void GetExposureProblem_RefusesRemoteBindingWithoutToken(string host, string? token, bool allow, bool ok)
    {
        var server = new ServerConfig { Host = host, ApiToken = token, AllowUnauthenticatedRemote = allow };

        var problem = server.GetExposureProblem();

        if (ok)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains("no server.api_token is set", problem);
            Assert.Contains("allow_unauthenticated_remote", problem);
        }
    }
}
