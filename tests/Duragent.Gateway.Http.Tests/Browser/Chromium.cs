using System.Diagnostics;
using Duragent.Testing;

namespace Duragent.Gateway.Http.Tests.Browser;

/// <summary>
/// Headless Chromium as a real victim's browser: opens one page and runs until the test has what it waited for (the
/// page reports to an <see cref="AttackSite"/>), then the process is killed. A fresh profile per run.
/// </summary>
internal static class Chromium
{
    /// <summary>The browser executable: <c>DURAGENT_CHROMIUM</c>, else <c>chromium</c>, <c>chromium-browser</c> or <c>google-chrome</c> on PATH; null when none.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("DURAGENT_CHROMIUM") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Select(directory => Path.Combine(directory, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Opens <paramref name="url"/> and keeps the browser running until <paramref name="until"/> completes (or the wait times out).</summary>
    public static async Task<T> BrowseAsync<T>(Uri url, Task<T> until, string what, params string[] arguments)
    {
        var executable = Find() ?? throw new InvalidOperationException("Chromium is not installed.");
        using var profile = new TempDirectory("chromium");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-extensions", "--disable-sync", "--disable-dev-shm-usage",
            $"--user-data-dir={profile.Path}",
        }.Concat(arguments).Append(url.ToString()))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
        var output = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            return await until.WaitFor(what, TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nChromium's output:\n{Tail(await output)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}
