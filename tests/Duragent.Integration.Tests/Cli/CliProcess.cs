using System.Diagnostics;
using System.Text;

namespace Duragent.Integration.Tests.Cli;

/// <summary>
/// The real <c>duragent</c> executable in a child process (<c>dotnet duragent.dll …</c>), with a controlled
/// environment: no inherited <c>DURAGENT_*</c> or provider keys, <c>HOME</c> in the test's directory,
/// <c>NO_COLOR</c>. Output is collected; waits name what they wait for. Disposing kills the process tree.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private static readonly string[] ScrubbedVariables =
    [
        "DURAGENT_SERVER", "DURAGENT_API_TOKEN", "DURAGENT_ADMIN_TOKEN", "DURAGENT_PORT",
        "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "BRAVE_API_KEY",
    ];

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    public StreamWriter Stdin => _process.StandardInput;

    public static CliProcess Start(string workingDirectory, string home, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, (int Uid, int Gid)? runAs = null)
    {
        var (fileName, prefix) = DuragentExe.Command;
        if (runAs is { } user)
        {
            // Another Unix user (tests run as root): setpriv changes the ids and keeps the environment set below.
            prefix = [$"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--", fileName, .. prefix];
            fileName = "setpriv";
        }

        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in prefix.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in ScrubbedVariables)
        {
            start.Environment.Remove(name);
        }

        start.Environment["HOME"] = home;
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var cli = new CliProcess(process);
        process.Start();

        // Raw reads, not lines: streamed tokens arrive before their line ends.
        _ = cli.PumpAsync(process.StandardOutput, cli._stdout, cli._stdoutClosed);
        _ = cli.PumpAsync(process.StandardError, cli._stderr, cli._stderrClosed);
        return cli;
    }

    /// <summary>Runs to the end with <paramref name="stdin"/> as input.</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, string home, string[] args, string stdin = "", IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        await using var process = Start(workingDirectory, home, args, environment);
        await process.Stdin.WriteAsync(stdin);
        process.Stdin.Close();
        return await process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60), $"duragent {string.Join(' ', args)}");
    }

    /// <summary>Completes when stdout (so far or later) contains <paramref name="text"/>.</summary>
    public Task WaitForStdoutAsync(string text, TimeSpan timeout) => WaitForAsync(s => s.Contains(text, StringComparison.Ordinal), $"'{text}' on stdout", timeout);

    public async Task WaitForAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (match(_stdout.ToString()))
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(done.Task, exited, Task.Delay(timeout));
        if (first == done.Task)
        {
            return;
        }

        if (first == exited)
        {
            // The last output may still be in the pipe.
            await _stdoutClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        lock (_lock)
        {
            if (match(_stdout.ToString()))
            {
                return;
            }
        }

        var reason = first == exited ? $"the process exited with code {_process.ExitCode}" : $"{timeout.TotalSeconds:0} s passed";
        throw new TimeoutException($"Waiting for {what}: {reason}.\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}");
    }

    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout, string what)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{what} did not exit within {timeout.TotalSeconds:0} s.\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}");
        }

        return new CliResult(_process.ExitCode, Stdout, Stderr);
    }

    /// <summary>SIGKILL to the process alone, at once (no walk of its tree, no wait): for a kill timed to the moment.</summary>
    public void KillNow()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
    }

    /// <summary>SIGKILL (the whole tree), then waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder target, TaskCompletionSource closed)
    {
        var buffer = new char[4096];
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(buffer);
                if (read == 0)
                {
                    return;
                }

                lock (_lock)
                {
                    target.Append(buffer, 0, read);
                    if (target == _stdout)
                    {
                        var text = _stdout.ToString();
                        for (var i = _waiters.Count - 1; i >= 0; i--)
                        {
                            if (_waiters[i].Match(text))
                            {
                                _waiters[i].Done.TrySetResult();
                                _waiters.RemoveAt(i);
                            }
                        }
                    }
                }
            }
        }
        catch (IOException)
        {
            // The process went away.
        }
        finally
        {
            closed.TrySetResult();
        }
    }
}
