using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Duragent.Gateway.Http.Tests.Browser;

/// <summary>
/// The hostile web site: a tiny Kestrel server on 127.0.0.1 (another port than Duragent's, so another origin) that
/// serves one attack page at <c>/</c> and collects what the page reports at <c>/report?step=…&amp;result=…</c>.
/// <c>/api/*</c> answers 418, so a page can tell this server from Duragent once the same port serves the other.
/// </summary>
internal sealed class AttackSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _reports = new(StringComparer.Ordinal);
    private int _disposed;

    private AttackSite(WebApplication app)
    {
        _app = app;
    }

    public int Port { get; private set; }

    public static async Task<AttackSite> StartAsync(string html, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var site = new AttackSite(app);
        app.MapGet("/", () => Results.Content(html, "text/html; charset=utf-8"));
        app.MapGet("/report", (string step, string? result) =>
        {
            site.Report(step).TrySetResult(result ?? string.Empty);
            return Results.NoContent();
        });
        app.Map("/api/{**rest}", () => Results.StatusCode(418));
        await app.StartAsync();
        site.Port = new Uri(app.Urls.First()).Port;
        return site;
    }

    /// <summary>What the page reported for <paramref name="step"/> (completes when it does).</summary>
    public Task<string> ReportAsync(string step) => Report(step).Task;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private TaskCompletionSource<string> Report(string step) =>
        _reports.GetOrAdd(step, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
