using System.Net;
using System.Net.Sockets;
using Duragent.Configuration;
using Duragent.Sessions.Events;
using Duragent.Tools;
using Duragent.Testing;
using Duragent.Tools.Sandbox;
using Xunit.Abstractions;

namespace Duragent.Grains.Tests.Tools;

/// <summary>
/// Tools in the real bubblewrap (<c>bwrap</c>, Debian package <c>bubblewrap</c>, installed by <c>.ci/run</c>): what
/// the sandbox lets through and what it stops, each shown by running the attack and checking the host afterwards.
/// </summary>
public sealed class SandboxTests(ITestOutputHelper output) : IDisposable
{
    // Not under /tmp: the sandbox's /tmp is private, and the workspace must be seen where it is, read-only.
    private readonly string _root = Directory.CreateDirectory(Path.Combine("/var/tmp", "duragent-sandbox-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Root => _root;

    private string State => Path.Combine(Root, ".duragent");

    private string AgentDir => Path.Combine(State, "agents", "coder");

    private string OtherAgentDir => Path.Combine(State, "agents", "other");

    private ProcessRunner Runner(SandboxConfig? config = null)
    {
        Directory.CreateDirectory(Path.Combine(State, "run"));
        Directory.CreateDirectory(AgentDir);
        Directory.CreateDirectory(OtherAgentDir);
        File.WriteAllText(Path.Combine(Root, "duragent.yaml"), "server:\n  port: 8080\n");
        File.WriteAllText(Path.Combine(State, "run", "token"), "the-workspace-token");
        File.WriteAllText(Path.Combine(AgentDir, "agent.yaml"), "name: coder\n");
        File.WriteAllText(Path.Combine(AgentDir, "policy.yaml"), "mode: restrict\n");
        File.WriteAllText(Path.Combine(OtherAgentDir, "notes.md"), "the other agent's notes");
        var sandbox = ToolSandbox.Resolve(config ?? new SandboxConfig { Mode = SandboxMode.Bubblewrap }, [State]);
        output.WriteLine(sandbox.Description + (sandbox.Note is { } note ? $" ({note})" : string.Empty));
        return new ProcessRunner(sandbox);
    }

    private Task<ToolResult> RunAsync(ProcessRunner runner, string command, double timeoutSeconds = 20) =>
        runner.RunAsync(command, AgentDir, TimeSpan.FromSeconds(timeoutSeconds), 64 * 1024, environment: null, CancellationToken.None);

    [BubblewrapFact]
    public async Task AllowedWork_RunsInTheAgentDirectory_AndItsFilesReachTheHost()
    {
        var runner = Runner();

        var result = await RunAsync(runner, "pwd; echo made > made.txt; mkdir -p src && echo code > src/main.c; cat made.txt; echo temp > /tmp/t && cat /tmp/t");

        Assert.Equal(ToolOutcome.Ok, result.Outcome);
        Assert.Equal($"{AgentDir}\nmade\ntemp\n", result.Content);
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(AgentDir, "made.txt")));
        Assert.Equal("code\n", File.ReadAllText(Path.Combine(AgentDir, "src", "main.c")));
        Assert.False(File.Exists("/tmp/t") && File.ReadAllText("/tmp/t") == "temp\n", "/tmp inside the sandbox is private");
    }

    [BubblewrapFact]
    public async Task WritesOutsideTheAgentDirectory_Fail_AndChangeNothing()
    {
        var runner = Runner();
        var probe = "/etc/duragent-sandbox-" + Guid.NewGuid().ToString("N")[..8];

        var result = await RunAsync(runner, $"echo 'server: {{port: 1}}' > {Root}/duragent.yaml; echo x > {probe}; echo x > {Root}/new-file; rm -rf {Root}/duragent.yaml; echo done");

        Assert.Contains("Read-only file system", result.Content, StringComparison.Ordinal);
        Assert.Equal("server:\n  port: 8080\n", File.ReadAllText(Path.Combine(Root, "duragent.yaml")));
        Assert.False(File.Exists(probe));
        Assert.False(File.Exists(Path.Combine(Root, "new-file")));
    }

    [BubblewrapFact]
    public async Task TheAgentsOwnPolicyAndDefinition_AreReadOnly_SoAToolCannotWidenItsPolicy()
    {
        var runner = Runner();

        var result = await RunAsync(runner, """
            echo 'mode: dangerous' > policy.yaml
            echo 'allow: ["*"]' > policy.local.yaml
            echo 'tools: []' >> agent.yaml
            rm -f policy.yaml agent.yaml
            mv policy.yaml elsewhere.yaml
            cat policy.yaml
            """);

        Assert.Contains("Read-only file system", result.Content, StringComparison.Ordinal);
        Assert.Equal("mode: restrict\n", File.ReadAllText(Path.Combine(AgentDir, "policy.yaml")));
        Assert.Equal("name: coder\n", File.ReadAllText(Path.Combine(AgentDir, "agent.yaml")));
        var local = Path.Combine(AgentDir, "policy.local.yaml");
        Assert.True(!File.Exists(local) || File.ReadAllText(local).Length == 0, "policy.local.yaml stays empty");
        Assert.False(File.Exists(Path.Combine(AgentDir, "elsewhere.yaml")));
    }

    [BubblewrapFact]
    public async Task TheWorkspaceState_OtherAgents_AndTheHome_AreHidden()
    {
        var runner = Runner();
        var home = Environment.GetEnvironmentVariable("HOME");

        var result = await RunAsync(runner, $"cat {State}/run/token; cat {OtherAgentDir}/notes.md; ls -A {State}/run | wc -l; ls -A \"$HOME\" | wc -l; echo home=$HOME");

        Assert.DoesNotContain("the-workspace-token", result.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("the other agent's notes", result.Content, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", result.Content, StringComparison.Ordinal);
        Assert.Contains($"home={home}", result.Content, StringComparison.Ordinal);
        var counts = result.Content.Split('\n').Where(l => l.Trim().All(char.IsAsciiDigit) && l.Trim().Length > 0).ToList();
        Assert.Equal(["0", "0"], counts.Select(c => c.Trim()));
    }

    [BubblewrapFact]
    public async Task TheSilosEnvironmentAndProcesses_AreNotVisible()
    {
        var name = "DURAGENT_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var passed = "DURAGENT_TEST_PASSED_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "sk-live-secret");
        Environment.SetEnvironmentVariable(passed, "visible");
        try
        {
            var runner = Runner(new SandboxConfig { Mode = SandboxMode.Bubblewrap, Environment = [passed] });

            var result = await RunAsync(runner, $"env; echo pids=$(ls /proc | grep -c '^[0-9]'); cat /proc/{Environment.ProcessId}/environ");

            Assert.DoesNotContain("sk-live-secret", result.Content, StringComparison.Ordinal);
            Assert.Contains($"{passed}=visible", result.Content, StringComparison.Ordinal);
            Assert.Contains("PATH=", result.Content, StringComparison.Ordinal);
            var pids = int.Parse(result.Content.Split('\n').Single(l => l.StartsWith("pids=", StringComparison.Ordinal))[5..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(pids, 1, 10);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
            Environment.SetEnvironmentVariable(passed, null);
        }
    }

    [BubblewrapFact]
    public async Task NetworkOff_CannotReachEvenLoopback_NetworkOn_Can()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var command = $"exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected";

        var off = await RunAsync(Runner(new SandboxConfig { Mode = SandboxMode.Bubblewrap, Network = false }), command);
        var on = await RunAsync(Runner(new SandboxConfig { Mode = SandboxMode.Bubblewrap, Network = true }), command);

        Assert.NotEqual(ToolOutcome.Ok, off.Outcome);
        Assert.DoesNotContain("connected", off.Content, StringComparison.Ordinal);
        Assert.Equal(ToolOutcome.Ok, on.Outcome);
        Assert.Equal("connected\n", on.Content);
    }

    [BubblewrapFact]
    public async Task AMemoryHog_IsStoppedByTheLimit()
    {
        var runner = Runner(new SandboxConfig { Mode = SandboxMode.Bubblewrap, MemoryMb = 64 });

        var result = await RunAsync(runner, "x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo got ${#x}");

        Assert.DoesNotContain("got 300000000", result.Content, StringComparison.Ordinal);
        Assert.Contains("alloc", result.Content, StringComparison.OrdinalIgnoreCase);
    }

    [BubblewrapFact]
    public async Task AForkBomb_IsCapped_EndsWithItsTimeLimit_AndLeavesNothingBehind()
    {
        var runner = Runner(new SandboxConfig { Mode = SandboxMode.Bubblewrap, MaxProcesses = 40 });
        var capped = runner.Sandbox.Description.Contains("at most 40", StringComparison.Ordinal);
        var before = CountProcesses();

        // A hundred sleeps under a cap of forty: bash reports the refused fork (and retries it until the time limit).
        var counted = await RunAsync(runner, "for i in $(seq 1 100); do sleep 30 & done; echo started all", timeoutSeconds: 4);
        var bomb = await RunAsync(runner, "bomb() { bomb | bomb & }; bomb; sleep 10", timeoutSeconds: 3);
        var after = CountProcesses();
        for (var i = 0; i < 50 && after > before + 5; i++)
        {
            await Task.Delay(100);
            after = CountProcesses();
        }

        output.WriteLine($"{counted.Outcome}: {counted.Content.Trim()[..Math.Min(200, counted.Content.Trim().Length)]}; bomb: {bomb.Outcome}; processes before {before}, after {after}");
        Assert.Equal(ToolOutcome.Timeout, bomb.Outcome);
        if (capped)
        {
            Assert.Contains("Resource temporarily unavailable", counted.Content, StringComparison.Ordinal);
            Assert.DoesNotContain("started all", counted.Content, StringComparison.Ordinal);
        }

        Assert.InRange(after, 0, before + 5);
        Assert.Equal("still works\n", (await RunAsync(runner, "echo still works")).Content);
    }

    [BubblewrapFact]
    public async Task ACommandThatNeverEnds_IsKilledAtTheTimeLimit_WithEverythingItStarted()
    {
        var runner = Runner();
        var marker = "sleep 987" + Random.Shared.Next(100, 999);

        var result = await RunAsync(runner, $"({marker} &) ; {marker}", timeoutSeconds: 1);
        await Task.Delay(300);

        Assert.Equal(ToolOutcome.Timeout, result.Outcome);
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcesses(), p => CommandLine(p).Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public void Bubblewrap_WhereItDoesNotWork_IsAStartError_NamingTheFix()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            ToolSandbox.Resolve(new SandboxConfig { Mode = SandboxMode.Bubblewrap }, [], bwrapPath: "/nonexistent/bwrap"));

        Assert.Contains("sandbox.mode is bubblewrap", ex.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install bubblewrap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_WhereBubblewrapDoesNotWork_RunsOnTheHost_AndSaysWhy()
    {
        using var sandbox = ToolSandbox.Resolve(new SandboxConfig { Mode = SandboxMode.Auto }, [], bwrapPath: "/nonexistent/bwrap");

        Assert.False(sandbox.IsSandboxed);
        Assert.Contains("sandbox.mode is auto", sandbox.Note, StringComparison.Ordinal);
        Assert.Contains("tools run on the host", sandbox.Note, StringComparison.Ordinal);
    }

    [BubblewrapFact]
    public void Auto_WhereBubblewrapWorks_Sandboxes()
    {
        using var sandbox = ToolSandbox.Resolve(new SandboxConfig { Mode = SandboxMode.Auto }, []);

        Assert.True(sandbox.IsSandboxed);
        Assert.StartsWith("tools run in bubblewrap", sandbox.Description, StringComparison.Ordinal);
    }

    private static int CountProcesses() => Directory.EnumerateDirectories("/proc").Count(d => Path.GetFileName(d).All(char.IsAsciiDigit));

    private static string CommandLine(System.Diagnostics.Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}

/// <summary>A fact that needs a working bubblewrap (see <see cref="Bubblewrap.SkipReason"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BubblewrapFactAttribute : FactAttribute
{
    public BubblewrapFactAttribute() => Skip = Bubblewrap.SkipReason;
}
