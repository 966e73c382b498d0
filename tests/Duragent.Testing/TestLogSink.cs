using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Duragent.Testing;

/// <summary>One captured log entry.</summary>
public sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>A logger provider that keeps every entry in memory, so tests can assert on (and wait for) what was logged.</summary>
public sealed class TestLogSink : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<LogRecord> _records = [];
    private readonly List<(Func<LogRecord, bool> Match, TaskCompletionSource<LogRecord> Found)> _waiters = [];

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>The first record (already logged or still to come) that matches <paramref name="match"/>.</summary>
    public Task<LogRecord> WaitForAsync(Func<LogRecord, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_lock)
        {
            var found = _records.Find(r => match(r));
            if (found is not null)
            {
                return Task.FromResult(found);
            }

            var waiter = new TaskCompletionSource<LogRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, waiter));
            return waiter.Task;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogRecord record)
    {
        lock (_lock)
        {
            _records.Add(record);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(record))
                {
                    _waiters[i].Found.TrySetResult(record);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Logger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add(new LogRecord(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
