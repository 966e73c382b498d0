using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Duragent.Bench.Processes;

/// <summary>
/// The published single-file executables the process benchmarks run, all published the same way into
/// <c>artifacts/bench/</c>: <c>duragent</c> (src/Cli), the bare Orleans baseline (bench/BareOrleans), the minimal
/// ASP.NET Core baseline (bench/MinimalApi) and, when asked for, <c>duragent</c> of an earlier commit.
/// </summary>
internal static class PublishedApps
{
    /// <summary>The repository root (the directory holding <c>Duragent.sln</c>).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>--exe PATH</c>, or <c>artifacts/bench/duragent/duragent</c>, published first if missing or with <c>--publish</c>.</summary>
    public static Task<string> DuragentAsync(BenchOptions options) =>
        options.Get("exe") is { } exe ? Task.FromResult(Existing(exe)) : EnsureAsync(Path.Combine("src", "Cli"), "duragent", "duragent", options.Has("publish"));

    /// <summary><c>--baseline-exe PATH</c>, or the published minimal ASP.NET Core app.</summary>
    public static Task<string> MinimalApiAsync(BenchOptions options) =>
        options.Get("baseline-exe") is { } exe ? Task.FromResult(Existing(exe)) : EnsureAsync(Path.Combine("bench", "MinimalApi"), "minimal-api", "minimal-api", options.Has("publish"));

    /// <summary><c>--bare-exe PATH</c>, or the published bare Orleans silo + Kestrel host.</summary>
    public static Task<string> BareOrleansAsync(BenchOptions options) =>
        options.Get("bare-exe") is { } exe ? Task.FromResult(Existing(exe)) : EnsureAsync(Path.Combine("bench", "BareOrleans"), "bare-orleans", "bare-orleans", options.Has("publish"));

    /// <summary>
    /// <c>--before-exe PATH</c>, or with <c>--before REV</c> the <c>duragent</c> of that commit (<c>git archive</c> into
    /// <c>artifacts/bench/before-REV-src</c>, then published like the current one); null when neither is given.
    /// </summary>
    public static async Task<string?> BeforeAsync(BenchOptions options)
    {
        if (options.Get("before-exe") is { } exe)
        {
            return Existing(exe);
        }

        if (options.Get("before") is not { } revision)
        {
            return null;
        }

        var (code, output, _) = await RunAsync("git", ["-C", RepoRoot, "rev-parse", "--short", revision + "^{commit}"]);
        if (code != 0)
        {
            throw new ArgumentException($"--before {revision}: not a commit of {RepoRoot}: {output.Trim()}");
        }

        var commit = output.Trim();
        var source = Path.Combine(RepoRoot, "artifacts", "bench", $"before-{commit}-src");
        if (!File.Exists(Path.Combine(source, "Duragent.sln")))
        {
            Console.WriteLine($"extracting commit {commit} into {source}");
            Directory.CreateDirectory(source);
            (code, output, _) = await RunAsync("sh", ["-c", "git -C \"$0\" archive \"$1\" | tar -x -C \"$2\"", RepoRoot, commit, source]);
            if (code != 0)
            {
                throw new InvalidOperationException($"git archive {commit} failed: {output}");
            }
        }

        return await EnsureAsync(Path.Combine(source, "src", "Cli"), $"before-{commit}", "duragent", force: false);
    }

    /// <summary>Runs a command to its end; returns its exit code and its output (stdout and stderr together).</summary>
    public static async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        return (process.ExitCode, await stdout + await stderr, elapsed);
    }

    private static string Existing(string exe) =>
        File.Exists(exe) ? Path.GetFullPath(exe) : throw new FileNotFoundException($"no executable at {exe}", exe);

    private static async Task<string> EnsureAsync(string project, string folder, string name, bool force)
    {
        var output = Path.Combine(RepoRoot, "artifacts", "bench", folder);
        var exe = Path.Combine(output, name);
        if (!force && File.Exists(exe))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"using {exe} (published {File.GetLastWriteTime(exe):yyyy-MM-dd HH:mm}; --publish publishes again)"));
            return exe;
        }

        var rid = RuntimeInformation.RuntimeIdentifier;
        Console.WriteLine($"publishing {project} -c Release -r {rid} → {output} (takes minutes)");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var (code, text, elapsed) = await RunAsync("dotnet", ["publish", Path.Combine(RepoRoot, project), "-c", "Release", "-r", rid, "-o", output, "-nologo"], RepoRoot);
        if (code != 0 || !File.Exists(exe))
        {
            throw new InvalidOperationException($"dotnet publish {project} failed (exit code {code}):\n{text}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"published in {elapsed.TotalSeconds:0} s"));
        return exe;
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Duragent.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Duragent.sln not found above the current directory or the benchmark's; run from the repository.");
    }
}
