using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Duragent.Configuration;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Problems;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Sdk;

namespace Duragent.Gateway.Http.Tests;

public sealed class AuthTests
{
    private const string ApiToken = "api-token-0123456789abcdef";
    private const string AdminToken = "admin-token-0123456789abcdef";

    [Fact]
    public async Task ApiToken_IsRequiredOnEveryApiRoute_FromLoopbackToo()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}"]);
        var before = kit.StorageFingerprint();

        using var none = await kit.Client.GetAsync("api/v1/sessions");
        using var wrongClient = kit.NewClient("not-the-token");
        using var wrong = await wrongClient.GetAsync("api/v1/sessions");
        using var create = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        using var unknownRoute = await kit.Client.GetAsync("api/v1/secret-route");
        using var rightClient = kit.NewClient(ApiToken);
        using var right = await rightClient.GetAsync("api/v1/sessions");
        using var lowerCase = new HttpRequestMessage(HttpMethod.Get, "api/v1/agents");
        lowerCase.Headers.TryAddWithoutValidation("Authorization", "bearer " + ApiToken);
        using var lowerCaseScheme = await kit.Client.SendAsync(lowerCase);

        var missing = await Http.ProblemAsync(none, 401, ProblemCodes.Unauthorized);
        Assert.Contains("server.api_token", missing.Detail, StringComparison.Ordinal);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        await Http.ProblemAsync(wrong, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(create, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(unknownRoute, 401, ProblemCodes.Unauthorized);
        await Http.ExpectAsync(right, 200);
        await Http.ExpectAsync(lowerCaseScheme, 200);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task HealthAndOpenApi_NeedNoToken_VersionDoes()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}", $"admin_token: {AdminToken}"]);

        foreach (var path in new[] { "livez", "readyz", "openapi/v1.json" })
        {
            using var response = await kit.Client.GetAsync(path);
            await Http.ExpectAsync(response, 200);
        }

        using var version = await kit.Client.GetAsync("version");
        await Http.ProblemAsync(version, 401, ProblemCodes.Unauthorized);
        using var right = kit.NewClient(ApiToken);
        using var withToken = await right.GetAsync("version");
        await Http.ExpectAsync(withToken, 200);
    }

    [Fact]
    public async Task WithoutAConfiguredToken_TheGeneratedOneIsRequired_AndWrittenPrivately()
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();
        var token = kit.GeneratedToken;
        Assert.NotNull(token);
        Assert.True(Base64UrlBytes(token) >= 16, "the generated token carries at least 128 random bits");

        using var anonymous = kit.NewAnonymousClient();
        using var wrongClient = kit.NewClient("not-the-token");
        using var none = await anonymous.GetAsync("api/v1/sessions");
        using var create = await anonymous.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        using var admin = await anonymous.PostAsync("api/admin/v1/shutdown", null);
        using var version = await anonymous.GetAsync("version");
        using var wrong = await wrongClient.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        using var wrongAdmin = await wrongClient.PostAsync("api/admin/v1/shutdown", null);

        var missing = await Http.ProblemAsync(none, 401, ProblemCodes.Unauthorized);
        Assert.Contains("duragent token", missing.Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(create, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(admin, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(version, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(wrong, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(wrongAdmin, 401, ProblemCodes.Unauthorized);
        Assert.Equal(before, kit.StorageFingerprint());
        Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested);

        using var right = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        await Http.ExpectAsync(right, 201);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kit.Workspace.ApiTokenFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(kit.Workspace.RuntimeDirectory));
        }

        await kit.StopAsync();
        Assert.False(File.Exists(kit.Workspace.ApiTokenFile), "a stopped server leaves no token behind");
        Assert.DoesNotContain(kit.Logs.Records, r => r.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotation_ReplacesTheGeneratedToken_TheOldOneStopsWorking()
    {
        await using var kit = await GatewayKit.StartAsync();
        var old = kit.GeneratedToken!;
        using var oldClient = kit.NewClient(old);
        using (var before = await oldClient.GetAsync("api/v1/sessions"))
        {
            await Http.ExpectAsync(before, 200);
        }

        kit.App.Services.GetRequiredService<Duragent.Security.ApiTokenStore>().Rotate();
        var fresh = kit.GeneratedToken!;

        Assert.NotEqual(old, fresh);
        using var stale = await oldClient.GetAsync("api/v1/sessions");
        await Http.ProblemAsync(stale, 401, ProblemCodes.Unauthorized);
        using var freshClient = kit.NewClient(fresh);
        using var ok = await freshClient.GetAsync("api/v1/sessions");
        await Http.ExpectAsync(ok, 200);
    }

    [Fact]
    public async Task AConfiguredToken_IsNotGenerated_AndAStaleGeneratedFileIsRemoved()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}"], prepare: root =>
        {
            Directory.CreateDirectory(Path.Combine(root, ".duragent", "run"));
            File.WriteAllText(Path.Combine(root, ".duragent", "run", "api-token"), "left-over-token-of-an-earlier-run\n");
        });

        Assert.False(File.Exists(kit.Workspace.ApiTokenFile));
        using var client = kit.NewClient("left-over-token-of-an-earlier-run");
        using var response = await client.GetAsync("api/v1/sessions");
        await Http.ProblemAsync(response, 401, ProblemCodes.Unauthorized);
        Assert.Throws<InvalidOperationException>(() => kit.App.Services.GetRequiredService<Duragent.Security.ApiTokenStore>().Rotate());
    }

    private static int Base64UrlBytes(string token) => System.Buffers.Text.Base64Url.DecodeFromChars(token).Length;

    [Fact]
    public async Task AdminToken_GuardsAdminRoutes_AndTheApiTokenDoesNotOpenThem()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}", $"admin_token: {AdminToken}"]);
        using var api = kit.NewClient(ApiToken);
        using var admin = kit.NewClient(AdminToken);

        using var none = await kit.Client.PostAsync("api/admin/v1/reload", null);
        using var withApiToken = await api.PostAsync("api/admin/v1/reload", null);
        using var withAdminToken = await admin.PostAsync("api/admin/v1/reload", null);
        using var adminOnApi = await admin.GetAsync("api/v1/sessions");

        Assert.Contains("server.admin_token", (await Http.ProblemAsync(none, 401, ProblemCodes.Unauthorized)).Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(withApiToken, 401, ProblemCodes.Unauthorized);
        await Http.ExpectAsync(withAdminToken, 200);
        await Http.ProblemAsync(adminOnApi, 401, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task WithoutTokens_RemoteCallersGet403_AndNothingIsStored()
    {
        var address = NonLoopbackAddress();
        await using var kit = await GatewayKit.StartAsync(host: address.ToString(), server: ["allow_unauthenticated_remote: true"]);
        Assert.Equal(address.ToString(), kit.BaseAddress.Host);
        var before = kit.StorageFingerprint();

        using var list = await kit.Client.GetAsync("api/v1/sessions");
        using var create = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        using var admin = await kit.Client.PostAsync("api/admin/v1/shutdown", null);
        using var live = await kit.Client.GetAsync("livez");

        var problem = await Http.ProblemAsync(list, 403, ProblemCodes.Forbidden);
        Assert.Contains("loopback", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("server.api_token", problem.Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(create, 403, ProblemCodes.Forbidden);
        Assert.Contains("server.admin_token", (await Http.ProblemAsync(admin, 403, ProblemCodes.Forbidden)).Detail, StringComparison.Ordinal);
        await Http.ExpectAsync(live, 200);
        Assert.Equal(before, kit.StorageFingerprint());
        Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task WithAToken_RemoteCallersAreServed()
    {
        var address = NonLoopbackAddress();
        await using var kit = await GatewayKit.StartAsync(host: address.ToString(), server: [$"api_token: {ApiToken}"]);
        using var client = kit.NewClient(ApiToken);

        using var response = await client.GetAsync("api/v1/sessions");

        await Http.ExpectAsync(response, 200);
    }

    [Fact]
    public async Task BindingBeyondLoopbackWithoutAToken_RefusesToStart()
    {
        var address = NonLoopbackAddress().ToString();
        using var directory = new TempDirectory("gateway-exposed");
        var config = Path.Combine(directory.Path, "duragent.yaml");
        File.WriteAllText(config, $"server:\n  host: \"{address}\"\n  port: 0\n");
        var exposed = new DuragentWorkspace(DuragentConfigLoader.Load(config).Config);
        File.WriteAllText(config, "server:\n  host: 127.0.0.1\n  port: 0\n");
        var local = new DuragentWorkspace(DuragentConfigLoader.Load(config).Config);

        var fromConfig = Assert.Throws<ConfigurationException>(() => DuragentServer.CreateBuilder(exposed));
        var fromOverride = Assert.Throws<ConfigurationException>(() => DuragentServer.CreateBuilder(local, new ServeOverrides { Host = "0.0.0.0" }));
        var notAnAddress = Assert.Throws<ConfigurationException>(() => DuragentServer.CreateBuilder(local, new ServeOverrides { Host = "example.com" }));

        Assert.Equal(exposed.Config.Server.GetExposureProblem(), fromConfig.Message);
        Assert.Contains("allow_unauthenticated_remote", fromOverride.Message, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", fromOverride.Message, StringComparison.Ordinal);
        Assert.Contains("example.com", notAnAddress.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(directory.Path, ".duragent")));
    }

    [Fact]
    public async Task Tokens_NeverAppearInLogs()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}", $"admin_token: {AdminToken}"]);
        using var wrongClient = kit.NewClient("wrong-token-that-must-not-be-logged");
        using var right = kit.NewClient(ApiToken);

        using var r1 = await wrongClient.GetAsync("api/v1/sessions");
        using var r2 = await right.GetAsync("api/v1/sessions");
        using var r3 = await right.PostAsync("api/admin/v1/reload", null);
        await kit.StopAsync();

        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("wrong bearer token", StringComparison.Ordinal));
        foreach (var record in kit.Logs.Records)
        {
            Assert.DoesNotContain(ApiToken, record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(AdminToken, record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-token-that-must-not-be-logged", record.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BearerToken_ComparesDigests()
    {
        var token = Duragent.Gateway.Http.Auth.BearerToken.From("s3cret")!;

        Assert.True(token.Matches("s3cret"));
        Assert.False(token.Matches("s3cre"));
        Assert.False(token.Matches("s3cret "));
        Assert.False(token.Matches(new string('x', 1000)));
        Assert.Null(Duragent.Gateway.Http.Auth.BearerToken.From(""));
        Assert.DoesNotContain("s3cret", token.ToString(), StringComparison.Ordinal);
        Assert.True(Duragent.Gateway.Http.Auth.BearerToken.IsLoopback(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(Duragent.Gateway.Http.Auth.BearerToken.IsLoopback(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.False(Duragent.Gateway.Http.Auth.BearerToken.IsLoopback(null));
    }

    /// <summary>An IPv4 address of this machine that is not loopback (the test calls the server through it).</summary>
    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new XunitException("This machine has no non-loopback IPv4 address; the remote-caller tests need one.");
}
