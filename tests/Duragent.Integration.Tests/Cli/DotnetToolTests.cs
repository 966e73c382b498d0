using System.Diagnostics;
using System.Text;
using Duragent.Testing;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// The CLI as a .NET tool: <c>dotnet pack src/Cli</c>, <c>dotnet tool install --tool-path</c> from that directory,
/// then <c>duragent</c> runs from anywhere, not only from the repository root. The package feed is a local
/// directory only (a config with <c>&lt;clear/&gt;</c>), so the test needs no network.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DotnetToolTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _dir = new("cli-tool");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PackedTool_InstallsWithToolPath_AndRunsFromAnotherDirectory()
    {
        var root = RepositoryRoot();
        var packages = Path.Combine(_dir.Path, "packages");
        var tools = Path.Combine(_dir.Path, "tools");
        var elsewhere = Path.Combine(_dir.Path, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        var feedConfig = Path.Combine(_dir.Path, "nuget.config");
        await File.WriteAllTextAsync(feedConfig, "<configuration><packageSources><clear /></packageSources></configuration>");

        // The build the tests run on is packed as it is (no second build of the solution).
        var pack = await RunAsync(root, "dotnet", "pack", Path.Combine(root, "src", "Cli"), "-c", Configuration(), "--no-build", "-o", packages, "-nologo");
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Assert.True(File.Exists(Path.Combine(packages, "Duragent.Cli.0.1.0.nupkg")), string.Join(", ", Directory.GetFiles(packages)));

        var install = await RunAsync(elsewhere, "dotnet", "tool", "install", "Duragent.Cli", "--tool-path", tools, "--add-source", packages, "--configfile", feedConfig);
        Assert.True(install.ExitCode == 0, install.ToString());

        var duragent = Path.Combine(tools, OperatingSystem.IsWindows() ? "duragent.exe" : "duragent");
        var version = await RunAsync(elsewhere, duragent, "--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.StartsWith("duragent 0.1.0 (commit ", version.Stdout, StringComparison.Ordinal);

        var init = await RunAsync(elsewhere, duragent, "init", "--no-interactive", "--provider", "ollama");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.True(File.Exists(Path.Combine(elsewhere, ".duragent", "agents", "my-assistant", "agent.yaml")));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Duragent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Duragent.sln above {AppContext.BaseDirectory}.");
    }

    // tests/X/bin/<Configuration>/net10.0/
    private static string Configuration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    private static async Task<CliResult> RunAsync(string workingDirectory, string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {Wait}.");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
