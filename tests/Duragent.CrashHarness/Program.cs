// Child process of the storage crash test. Opens the file storage provider on the directory given as the first
// argument and appends events to a few logs as fast as it can, printing each acknowledged append on stdout only
// after the append returned (so every printed line is a durability promise). The parent kills it with SIGKILL.
//
//   dotnet Duragent.CrashHarness.dll <root> [logs=4] [seed]
//
// Output lines:
//   resume <log> <nextSeq>         once per log, after opening (the log's next seq found on disk)
//   ack <log> <firstSeq> <count>   one per acknowledged append
using System.Text.Json;
using Duragent.Storage;
using Duragent.Storage.File;
using Orleans.Runtime;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Duragent.CrashHarness <root> [logs] [seed]");
    return 2;
}

var root = args[0];
var logCount = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4;
var seed = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessId;
var output = Console.Out;
var outputLock = new object();

using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = root });
var log = provider.EventLog;

var writers = Enumerable.Range(0, logCount).Select(async index =>
{
    var name = $"crash-{index}";
    var id = GrainId.Create("session", name);
    var random = new Random(seed * 31 + index);
    var next = (await log.GetInfoAsync(id)).NextSeq;
    lock (outputLock)
    {
        output.WriteLine($"resume {name} {next}");
    }

    while (true)
    {
        // Mostly single events, sometimes batches; payloads from a few bytes to several KB so that writes cross pages,
        // and now and then a large one (hundreds of KB) whose write takes long enough for a kill to land inside it.
        var count = random.Next(10) < 7 ? 1 : random.Next(2, 6);
        var events = new EventToAppend[count];
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var length = roll < 3 ? random.Next(200_000, 1_000_000) : roll < 12 ? random.Next(300, 6000) : random.Next(0, 300);
            var pad = new string((char)('a' + random.Next(26)), length);
            events[i] = new EventToAppend("crash_event", DateTimeOffset.UtcNow, JsonSerializer.SerializeToUtf8Bytes(new { log = name, n = next + i, pad }));
        }

        var first = next;
        next = await log.AppendAsync(id, first, events);
        lock (outputLock)
        {
            output.WriteLine($"ack {name} {first} {count}");
        }
    }
}).ToList();

await Task.WhenAll(writers);
return 0;
