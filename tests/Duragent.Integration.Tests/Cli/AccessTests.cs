using System.Diagnostics;
using System.Net;
using Duragent.Cli;
using Duragent.Cli.Client;
using Duragent.Configuration;
using Duragent.Hosting;
using Duragent.Node;
using Duragent.Security;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// Local access control with the real executable: the runtime folder's credentials are the owner's alone, the Orleans
/// gateway refuses clients without the workspace's certificate, HTTP refuses callers without its token, secrets stay
/// out of logs, command lines and error messages, and a second Unix user can do none of it while the owner can.
/// </summary>
public sealed class AccessTests
{
    private static readonly string[] SecretFiles = ["api-token", "ca.crt", "server.pem", "client.pem", "node.json"];

    [Fact]
    public async Task RuntimeFiles_AreTheOwnersAlone()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        await ws.ServeAsync();

        Assert.Equal("700", PrivateFiles.DescribeMode(ws.RuntimeDirectory));
        foreach (var name in SecretFiles)
        {
            var path = Path.Combine(ws.RuntimeDirectory, name);
            Assert.True(File.Exists(path), $"{name} exists");
            Assert.Equal("600", PrivateFiles.DescribeMode(path));
            Assert.Equal(Run("id", "-u").Stdout.Trim(), Run("stat", "-c", "%u", path).Stdout.Trim());
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(ws.RuntimeDirectory), f => Path.GetFileName(f).EndsWith(".tmp", StringComparison.Ordinal));
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(Path.Combine(ws.RuntimeDirectory, "ca.crt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrleansGateway_RefusesAClientWithoutTheWorkspacesCertificate()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        await ws.ServeAsync();
        var gateway = IPEndPoint.Parse(ws.Gateway);
        var owner = WorkspaceOf(ws.ConfigFile);
        using var other = new TempDirectory("access-other");
        File.WriteAllText(Path.Combine(other.Path, "duragent.yaml"), "server:\n  port: 1\n");
        var stranger = WorkspaceOf(Path.Combine(other.Path, "duragent.yaml"));
        WorkspaceCertificates.Create(stranger);

        // The owner's credentials work; another CA's client certificate does not, nor does a client without TLS.
        await using (var client = await DuragentClient.ConnectAsync(gateway, null, DuragentClient.CredentialsOf(owner), CancellationToken.None))
        {
            Assert.Equal(owner.Hash, (await client.GetStatusAsync()).WorkspaceHash);
        }

        var foreign = await Assert.ThrowsAnyAsync<Exception>(() => DuragentClient.ConnectAsync(gateway, null, DuragentClient.CredentialsOf(stranger), CancellationToken.None));
        Assert.True(foreign is CliException or ServerUnavailableException, foreign.ToString());
        await Assert.ThrowsAnyAsync<Exception>(() => PlainOrleansClientAsync(gateway));

        // The real CLI: another workspace's certificates, or none at all.
        var withOtherCa = await CliProcess.RunAsync(other.Path, ws.Home, ["--gateway", ws.Gateway, "session", "list"]);
        File.Delete(stranger.ClientCertificateFile);
        var withoutCertificate = await CliProcess.RunAsync(other.Path, ws.Home, ["--gateway", ws.Gateway, "session", "list"]);
        var ownerCli = await ws.RunAsync(string.Empty, "--gateway", ws.Gateway, "session", "list");

        Assert.NotEqual(0, withOtherCa.ExitCode);
        Assert.DoesNotContain("No sessions", withOtherCa.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, withoutCertificate.ExitCode);
        Assert.Contains("client certificate", withoutCertificate.Stderr, StringComparison.Ordinal);
        Assert.True(ownerCli.ExitCode == 0, ownerCli.ToString());
        Assert.Contains("No sessions", ownerCli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_WithoutWithWrongAndWithTheRightToken_AndTokenCommands()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        await ws.ServeAsync();
        using var http = new HttpClient { BaseAddress = ws.BaseUrl };

        using var none = await http.PostAsync("api/v1/sessions", Json("""{"agent":"assistant"}"""));
        using var wrong = await SendAsync(http, HttpMethod.Post, "api/v1/sessions", "wrong-token");
        var printed = await ws.RunAsync(string.Empty, "token");
        var token = printed.Stdout.Trim();
        var onDisk = ws.GeneratedToken;
        using var right = await SendAsync(http, HttpMethod.Post, "api/v1/sessions", token);
        var rotated = await ws.RunAsync(string.Empty, "token", "rotate");
        using var stale = await SendAsync(http, HttpMethod.Get, "api/v1/sessions", token);
        var fresh = (await ws.RunAsync(string.Empty, "token")).Stdout.Trim();
        using var freshAnswer = await SendAsync(http, HttpMethod.Get, "api/v1/sessions", fresh);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.True(printed.ExitCode == 0, printed.ToString());
        Assert.Equal(onDisk, token);
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.DoesNotContain(token, rotated.Stdout + rotated.Stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.NotEqual(token, fresh);
        Assert.Equal(HttpStatusCode.OK, freshAnswer.StatusCode);
    }

    [Fact]
    public async Task Secrets_NeverAppearInLogsCommandLinesOrErrors()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        var serve = await ws.ServeAsync("-vv");
        var token = ws.GeneratedToken!;
        var keys = SecretLines(ws);
        using var http = new HttpClient { BaseAddress = ws.BaseUrl };
        using var wrong = await SendAsync(http, HttpMethod.Get, "api/v1/sessions", token[..^2] + "xx");
        var wrongBody = await wrong.Content.ReadAsStringAsync();
        var owner = await ws.RunAsync(string.Empty, "-v", "session", "list");
        File.Delete(Path.Combine(ws.RuntimeDirectory, "client.pem.bak"));
        File.Copy(Path.Combine(ws.RuntimeDirectory, "client.pem"), Path.Combine(ws.RuntimeDirectory, "client.pem.bak"));
        File.WriteAllText(Path.Combine(ws.RuntimeDirectory, "client.pem"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        var broken = await ws.RunAsync(string.Empty, "-v", "session", "list");
        File.Move(Path.Combine(ws.RuntimeDirectory, "client.pem.bak"), Path.Combine(ws.RuntimeDirectory, "client.pem"), overwrite: true);
        var commandLines = string.Join('\n', Directory.EnumerateDirectories("/proc").Select(CommandLine));

        Assert.True(owner.ExitCode == 0, owner.ToString());
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("client.pem", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains(CommandLine($"/proc/{serve.Pid}"), commandLines, StringComparison.Ordinal);
        await ws.RunAsync(string.Empty, "serve", "stop");
        await ws.WaitForServerGoneAsync(TimeSpan.FromSeconds(30), "serve stop");
        var everything = new Dictionary<string, string>
        {
            ["server stderr"] = serve.Stderr,
            ["server stdout"] = serve.Stdout,
            ["the 401 body"] = wrongBody,
            ["the owner's CLI"] = owner.Stdout + owner.Stderr,
            ["the CLI with a broken certificate"] = broken.Stdout + broken.Stderr,
            ["command lines (/proc/*/cmdline)"] = commandLines,
        };
        Assert.True(serve.Stderr.Length > 1000, "the server logged at trace level: " + serve.Stderr.Length);
        foreach (var (where, text) in everything)
        {
            Assert.False(text.Contains(token, StringComparison.Ordinal), $"the API token appears in {where}");
            Assert.False(text.Contains(token[..^2], StringComparison.Ordinal), $"the presented wrong token appears in {where}");
            foreach (var line in keys)
            {
                Assert.False(text.Contains(line, StringComparison.Ordinal), $"a private key line appears in {where}");
            }
        }
    }

    [RootFact]
    public async Task ASecondUser_CannotDriveTheAgent_WhileTheOwnersCliWorks()
    {
        await using var ws = await CliWorkspace.CreateAsync(bashTool: true);
        await ws.ServeAsync();
        var name = "dgt" + Guid.NewGuid().ToString("N")[..10];
        var home = Path.Combine(Path.GetTempPath(), name);
        Assert.True(Run("useradd", "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", name).ExitCode == 0, "useradd");
        try
        {
            Directory.CreateDirectory(home);
            var uid = int.Parse(Run("id", "-u", name).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var gid = int.Parse(Run("id", "-g", name).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

            // The other user's own workspace, with certificates of its own CA (as its own server would create them).
            File.WriteAllText(Path.Combine(home, "duragent.yaml"), "server:\n  port: 1\n");
            WorkspaceCertificates.Create(WorkspaceOf(Path.Combine(home, "duragent.yaml")));
            Assert.Equal(0, Run("chown", "-R", $"{uid}:{gid}", home).ExitCode);
            var environment = new Dictionary<string, string?> { ["DOTNET_CLI_HOME"] = home, ["TMPDIR"] = home };

            Task<CliResult> AsOther(params string[] args)
            {
                var process = CliProcess.Start(home, home, args, environment, (uid, gid));
                process.Stdin.Close();
                return process.WaitForExitAsync(CliWorkspace.ProcessTimeout, $"duragent {string.Join(' ', args)} as {name}");
            }

            var readToken = await AsOther("-c", ws.ConfigFile, "token");
            var managed = await AsOther("-c", ws.ConfigFile, "session", "list");
            var explicitGateway = await AsOther("-c", ws.ConfigFile, "--gateway", ws.Gateway, "session", "list");
            var ownCa = await AsOther("--gateway", ws.Gateway, "session", "list");
            var curlCreate = RunAs(uid, gid, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                "-d", """{"agent":"assistant"}""", new Uri(ws.BaseUrl, "api/v1/sessions").ToString());
            var catToken = RunAs(uid, gid, "cat", Path.Combine(ws.RuntimeDirectory, "api-token"));
            var owner = await ws.RunAsync(string.Empty, "session", "list");
            var ownerSession = await ws.RunAsync("hi\n/exit\n", "chat");

            Assert.NotEqual(0, readToken.ExitCode);
            Assert.DoesNotContain(ws.GeneratedToken!, readToken.Stdout + readToken.Stderr, StringComparison.Ordinal);
            Assert.NotEqual(0, managed.ExitCode);
            Assert.DoesNotContain("No sessions", managed.Stdout, StringComparison.Ordinal);
            Assert.NotEqual(0, explicitGateway.ExitCode);
            Assert.Contains("permission denied", explicitGateway.Stderr, StringComparison.Ordinal);
            Assert.NotEqual(0, ownCa.ExitCode);
            Assert.DoesNotContain("No sessions", ownCa.Stdout, StringComparison.Ordinal);
            Assert.Equal("401", curlCreate.Stdout);
            Assert.NotEqual(0, catToken.ExitCode);
            Assert.True(owner.ExitCode == 0, owner.ToString());
            Assert.Contains("No sessions", owner.Stdout, StringComparison.Ordinal);
            Assert.True(ownerSession.ExitCode == 0, ownerSession.ToString());
        }
        finally
        {
            Run("userdel", name);
            Directory.Delete(home, recursive: true);
        }
    }

    private static DuragentWorkspace WorkspaceOf(string configFile) => new(DuragentConfigLoader.Load(configFile).Config);

    // A client with no TLS at all: the gateway must not serve it.
    private static async Task PlainOrleansClientAsync(IPEndPoint gateway)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateway);
            client.Configure<ClusterOptions>(o => o.ClusterId = o.ServiceId = DuragentNodeExtensions.ClusterId);
            client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromSeconds(5));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.UseConnectionRetryFilter(static (_, _) => Task.FromResult(false));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        await grains.GetGrain<INodeGrain>("any").GetStatusAsync();
    }

    // The base64 lines of every private key in the runtime folder.
    private static List<string> SecretLines(CliWorkspace ws) =>
        new[] { "server.pem", "client.pem" }
            .SelectMany(f => File.ReadAllText(Path.Combine(ws.RuntimeDirectory, f)).Split("-----BEGIN PRIVATE KEY-----")[1].Split('\n'))
            .Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal))
            .ToList();

    private static string CommandLine(string processDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processDirectory, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (method == HttpMethod.Post)
        {
            request.Content = Json("""{"agent":"assistant"}""");
        }

        return http.SendAsync(request);
    }

    private static CliResult RunAs(int uid, int gid, string file, params string[] args) =>
        Run("setpriv", [$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--", file, .. args]);

    private static CliResult Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr);
    }
}
