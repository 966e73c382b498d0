using System.Diagnostics;
using System.Text;
using Duragent.Sessions.Events;
using Duragent.Tools.Sandbox;

namespace Duragent.Tools;

/// <summary>
/// Runs a command line through <c>bash -c</c> with a time limit and an output cap, and shapes the output for the
/// model: stdout, then <c>--- stderr ---</c> and stderr, capped; <c>Command completed with exit code N</c> when
/// both are empty. On timeout or cancellation the whole process tree is killed. Where the process runs is the
/// <see cref="ToolSandbox"/>'s decision.
/// </summary>
public sealed class ProcessRunner(ToolSandbox sandbox)
{
    /// <summary>A runner of processes on the host (<see cref="ToolSandbox.Trust"/>).</summary>
    public ProcessRunner()
        : this(ToolSandbox.Trust)
    {
    }

    /// <summary>Default time limit: 120 seconds.</summary>
    public const int DefaultTimeoutSeconds = 120;

    /// <summary>Default output cap: 256 KiB.</summary>
    public const int DefaultOutputCapBytes = 256 * 1024;

    private const string StderrSeparator = "\n--- stderr ---\n";

    /// <summary>Where the processes run (on the host, or in bubblewrap).</summary>
    public ToolSandbox Sandbox { get; } = sandbox ?? throw new ArgumentNullException(nameof(sandbox));

    /// <summary>The shell used for command lines: <c>bash</c> from PATH.</summary>
    public string Shell { get; init; } = "bash";

    /// <summary>Runs <paramref name="commandLine"/> in <paramref name="workingDirectory"/>.</summary>
    public async Task<ToolResult> RunAsync(
        string commandLine,
        string workingDirectory,
        TimeSpan timeout,
        int outputCapBytes,
        IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(commandLine);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCapBytes, 1024);

        using var prepared = Sandbox.Prepare(Shell, commandLine, workingDirectory, environment);
        var start = prepared.Start;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return ToolResult.Failure($"Could not start '{Shell}': {ex.Message}");
        }

        // The command gets no input: close stdin so that programs waiting for it see end of file.
        process.StandardInput.Close();

        var stdout = new CappedBuffer(outputCapBytes);
        var stderr = new CappedBuffer(outputCapBytes);
        var pumpOut = PumpAsync(process.StandardOutput.BaseStream, stdout);
        var pumpErr = PumpAsync(process.StandardError.BaseStream, stderr);

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            Kill(process);
            if (!timedOut)
            {
                await DrainAsync(pumpOut, pumpErr);
                throw;
            }
        }

        await DrainAsync(pumpOut, pumpErr);
        if (timedOut)
        {
            var partial = Format(stdout, stderr, exitCode: null, outputCapBytes, out var cut);
            return new ToolResult(ToolOutcome.Timeout, $"{partial}\n[timed out after {timeout.TotalSeconds:0} s; the process was killed]", null, cut);
        }

        var exitCode = process.ExitCode;
        var content = Format(stdout, stderr, exitCode, outputCapBytes, out var truncated);
        return new ToolResult(exitCode == 0 ? ToolOutcome.Ok : ToolOutcome.Error, content, exitCode, truncated);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task DrainAsync(Task pumpOut, Task pumpErr)
    {
        // Grandchildren that kept the pipes open may outlive the kill for a moment; never wait for them forever.
        await Task.WhenAny(Task.WhenAll(pumpOut, pumpErr), Task.Delay(TimeSpan.FromSeconds(2)));
    }

    private static async Task PumpAsync(Stream stream, CappedBuffer buffer)
    {
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                buffer.Append(chunk.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            // The pipe broke when the process tree was killed; what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string Format(CappedBuffer stdout, CappedBuffer stderr, int? exitCode, int capBytes, out bool truncated)
    {
        var builder = new StringBuilder();
        builder.Append(stdout.ToText());
        if (stderr.Length > 0)
        {
            builder.Append(StderrSeparator).Append(stderr.ToText());
        }

        truncated = stdout.Overflowed || stderr.Overflowed;
        if (builder.Length == 0 && exitCode is not null)
        {
            return $"Command completed with exit code {exitCode}";
        }

        var text = builder.ToString();
        if (Encoding.UTF8.GetByteCount(text) > capBytes)
        {
            text = CappedBuffer.CutToBytes(text, capBytes);
            truncated = true;
        }

        if (truncated)
        {
            text += $"\n[output truncated at {capBytes / 1024} KB]";
        }

        return text;
    }

    /// <summary>Keeps the first <c>cap</c> bytes of a stream and remembers whether more came.</summary>
    private sealed class CappedBuffer(int cap)
    {
        private readonly MemoryStream _bytes = new();
        private readonly Lock _gate = new();

        public bool Overflowed { get; private set; }

        public long Length
        {
            get
            {
                lock (_gate)
                {
                    return _bytes.Length;
                }
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                var room = cap - (int)_bytes.Length;
                if (data.Length > room)
                {
                    Overflowed = true;
                    data = data[..Math.Max(room, 0)];
                }

                _bytes.Write(data);
            }
        }

        public string ToText()
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
            }
        }

        public static string CutToBytes(string text, int maxBytes)
        {
            var encoder = Encoding.UTF8;
            var length = Math.Min(text.Length, maxBytes);
            while (length > 0 && encoder.GetByteCount(text.AsSpan(0, length)) > maxBytes)
            {
                length -= Math.Max(1, (encoder.GetByteCount(text.AsSpan(0, length)) - maxBytes) / 4);
            }

            if (length > 0 && char.IsHighSurrogate(text[length - 1]))
            {
                length--;
            }

            return text[..length];
        }
    }
}
