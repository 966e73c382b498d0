using System.Diagnostics;
using System.Globalization;

namespace Duragent.Integration.Tests.Storage;

/// <summary>
/// Runs <c>Duragent.CrashHarness.dll</c> (built next to this test assembly through the project reference) and
/// collects what it acknowledges.
/// </summary>
internal sealed class CrashHarnessProcess : IDisposable
{
    private readonly Process _process;
    private readonly object _sync = new();
    private readonly Dictionary<string, long> _ackedThrough = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _resumedAt = new(StringComparer.Ordinal);
    private readonly List<string> _stderr = [];
    private TaskCompletionSource? _target;
    private int _targetAcks;

    private CrashHarnessProcess(Process process) => _process = process;

    public static string HarnessPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Duragent.CrashHarness.dll");
            return System.IO.File.Exists(path)
                ? path
                : throw new FileNotFoundException($"The crash harness was not built next to the tests: {path} is missing (the test project references tests/Duragent.CrashHarness).", path);
        }
    }

    /// <summary>Acknowledged appends so far.</summary>
    public int Acks { get; private set; }

    /// <summary>Acknowledged events so far.</summary>
    public long AckedEvents { get; private set; }

    public static CrashHarnessProcess Start(string root, int logs, int seed)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HarnessPath);
        start.ArgumentList.Add(root);
        start.ArgumentList.Add(logs.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        var process = new Process { StartInfo = start };
        var harness = new CrashHarnessProcess(process);
        process.OutputDataReceived += (_, e) => harness.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (harness._sync)
                {
                    harness._stderr.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return harness;
    }

    /// <summary>Completes once <paramref name="acks"/> appends were acknowledged, or fails when the process exits first.</summary>
    public async Task WaitForAcksAsync(int acks, TimeSpan timeout)
    {
        Task target;
        lock (_sync)
        {
            if (Acks >= acks)
            {
                return;
            }

            _targetAcks = acks;
            _target = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            target = _target.Task;
        }

        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(target, exited, Task.Delay(timeout));
        if (finished != target)
        {
            var reason = finished == exited ? $"the harness exited with code {_process.ExitCode}" : $"{timeout.TotalSeconds:0} s passed";
            throw new TimeoutException($"Waiting for {acks} acknowledged appends from the crash harness, got {Acks}: {reason}. stderr: {string.Join(" | ", Stderr)}");
        }
    }

    /// <summary>SIGKILL, then waits until the process is gone and its stdout is drained.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>The highest acknowledged seq per log.</summary>
    public IReadOnlyDictionary<string, long> AckedThrough
    {
        get
        {
            lock (_sync)
            {
                return new Dictionary<string, long>(_ackedThrough);
            }
        }
    }

    /// <summary>The next seq each log reported when the harness opened it.</summary>
    public IReadOnlyDictionary<string, long> ResumedAt
    {
        get
        {
            lock (_sync)
            {
                return new Dictionary<string, long>(_resumedAt);
            }
        }
    }

    public IReadOnlyList<string> Stderr
    {
        get
        {
            lock (_sync)
            {
                return [.. _stderr];
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        var parts = line.Split(' ');
        lock (_sync)
        {
            switch (parts)
            {
                case ["ack", var log, var first, var count]:
                    var last = long.Parse(first, CultureInfo.InvariantCulture) + long.Parse(count, CultureInfo.InvariantCulture) - 1;
                    _ackedThrough[log] = Math.Max(_ackedThrough.GetValueOrDefault(log), last);
                    Acks++;
                    AckedEvents += long.Parse(count, CultureInfo.InvariantCulture);
                    if (_target is not null && Acks >= _targetAcks)
                    {
                        _target.TrySetResult();
                        _target = null;
                    }

                    break;
                case ["resume", var log, var next]:
                    _resumedAt[log] = long.Parse(next, CultureInfo.InvariantCulture);
                    break;
                default:
                    _stderr.Add("unexpected stdout line: " + line);
                    break;
            }
        }
    }
}
