using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Duragent.Bench.Processes;

/// <summary>
/// A server under measurement in a child process: the time from just before <see cref="Process.Start()"/>, its memory as
/// the kernel counts it (<c>/proc/&lt;pid&gt;/status</c>), and its output in a log file. Disposing kills it if it
/// still runs.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly long _startedAt;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private ChildProcess(Process process, long startedAt, StreamWriter log, string logFile)
    {
        _process = process;
        _startedAt = startedAt;
        _log = log;
        LogFile = logFile;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
    }

    public int Pid => _process.Id;

    public string LogFile { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Time since just before the process was started.</summary>
    public TimeSpan SinceStart => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>Start information for <paramref name="exe"/> with every standard stream redirected.</summary>
    public static ProcessStartInfo StartInfo(string exe, IEnumerable<string> args, string workingDirectory)
    {
        var start = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    public static ChildProcess Start(string exe, IEnumerable<string> args, string workingDirectory, string logFile, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = StartInfo(exe, args, workingDirectory);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        var log = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var startedAt = Stopwatch.GetTimestamp();
        process.Start();
        process.StandardInput.Close();
        return new ChildProcess(process, startedAt, log, logFile);
    }

    /// <summary>
    /// Polls <paramref name="url"/> every <paramref name="interval"/> (a new connection each time, as a client that
    /// just started would) until it answers 200; returns the time from the process start to that answer.
    /// </summary>
    public async Task<TimeSpan> WaitForOkAsync(Uri url, TimeSpan timeout, TimeSpan? interval = null)
    {
        var pause = interval ?? TimeSpan.FromMilliseconds(2);
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(2) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return SinceStart;
                }
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException or null)
            {
                // Not listening yet.
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before {url} answered 200; log: {LogFile}\n{Tail()}");
            }

            if (SinceStart > timeout)
            {
                throw new TimeoutException($"{url} did not answer 200 within {timeout.TotalSeconds:0} s of the start; log: {LogFile}\n{Tail()}");
            }

            await Task.Delay(pause);
        }
    }

    /// <summary>The process's resident memory now.</summary>
    public ProcessMemory ReadMemory() => ProcessMemory.Read(_process.Id);

    /// <summary>SIGTERM (a graceful stop), then SIGKILL after <paramref name="timeout"/>; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            await Signal("TERM");
            using var limit = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        await _pumps;
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _pumps;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    /// <summary>The last lines of the log.</summary>
    public string Tail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private async Task Signal(string name)
    {
        var (code, output, _) = await PublishedApps.RunAsync("kill", ["-" + name, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        if (code != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill -{name} {_process.Id} failed: {output}");
        }
    }

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_log)
            {
                _log.Write(buffer, 0, read);
            }
        }
    }
}
