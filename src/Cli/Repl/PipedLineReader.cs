namespace Duragent.Cli.Repl;

/// <summary>
/// Lines from a non-terminal stdin (pipes, files, tests). No prompt, no echo, no history. A read abandoned by
/// cancellation is kept and handed to the next call, so no line is lost or reordered.
/// </summary>
internal sealed class PipedLineReader(TextReader input) : ILineReader
{
    private Task<string?>? _pending;

    public async Task<LineResult> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        _pending ??= Task.Factory.StartNew(input.ReadLine, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var line = await _pending.WaitAsync(cancellationToken);
        _pending = null;
        return line is null ? LineResult.EndOfInput : new LineResult(LineKind.Line, line.TrimEnd('\r'));
    }
}
