using System.Diagnostics;
using System.Text;
using Orleans.Runtime;
using Duragent.Storage;
using Duragent.Storage.File;

namespace Duragent.Bench;

/// <summary>A workload that can run for a slice of time, again and again, interleaved with others.</summary>
public interface ILoad : IDisposable
{
    string Name { get; }

    /// <summary>Runs for about <paramref name="slice"/>; returns the operations done and the seconds taken.</summary>
    (long Count, double Seconds) Run(TimeSpan slice);
}

/// <summary>The baseline: <c>pwrite</c> of one small line + <c>fdatasync</c>, in a loop, on one file.</summary>
public sealed class RawWriteFsyncLoad : ILoad
{
    private static readonly byte[] s_line = Encoding.UTF8.GetBytes(
        "{\"seq\":1,\"ts\":\"2026-11-21T10:00:00.000Z\",\"type\":\"user_message\",\"content\":\"hello world\"}\n");

    private readonly string _path;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private long _offset;

    public RawWriteFsyncLoad(string root)
    {
        _path = Path.Combine(root, "raw-" + Guid.NewGuid().ToString("N") + ".jsonl");
        _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    public string Name => "raw write+fdatasync";

    public (long Count, double Seconds) Run(TimeSpan slice)
    {
        long count = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < slice)
        {
            RandomAccess.Write(_handle, s_line, _offset);
            NativeIo.FlushData(_handle, _path);
            _offset += s_line.Length;
            count++;
        }

        return (count, watch.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _handle.Dispose();
        File.Delete(_path);
    }
}

/// <summary><paramref name="sessions"/> sessions appending one small event at a time, each awaiting its append.</summary>
public sealed class AppendLoad : ILoad
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"content\":\"hello world\"}");

    private readonly string _directory;
    private readonly FileStorageProvider _provider;
    private readonly GrainId[] _ids;
    private readonly long[] _next;
    private long _appends;

    public AppendLoad(string root, string name, int sessions, FileStorageOptions options)
    {
        Name = name;
        _directory = Path.Combine(root, "appends-" + Guid.NewGuid().ToString("N"));
        options.RootDirectory = _directory;
        _provider = new FileStorageProvider(options);
        _ids = Enumerable.Range(0, sessions).Select(i => GrainId.Create("session", $"bench-{i}")).ToArray();
        _next = new long[sessions];
        Array.Fill(_next, 1);
    }

    public string Name { get; }

    /// <summary>fdatasync calls plus syncfs rounds per acknowledged append, over every slice so far.</summary>
    public double SyncsPerAppend =>
        (double)(_provider.Statistics.FileSyncs + _provider.Statistics.SyncFsRounds) / Math.Max(1, _provider.Statistics.Appends);

    public (long Count, double Seconds) Run(TimeSpan slice)
    {
        var watch = Stopwatch.StartNew();
        var counts = Task.WhenAll(_ids.Select(async (id, i) =>
        {
            long count = 0;
            while (watch.Elapsed < slice)
            {
                _next[i] = await _provider.EventLog.AppendAsync(id, _next[i], [new EventToAppend("user_message", DateTimeOffset.UtcNow, s_payload)]);
                count++;
            }

            return count;
        })).GetAwaiter().GetResult();
        var seconds = watch.Elapsed.TotalSeconds;
        var total = counts.Sum();
        _appends += total;
        return (total, seconds);
    }

    public void Dispose()
    {
        _provider.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
