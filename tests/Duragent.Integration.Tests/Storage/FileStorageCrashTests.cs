using System.Globalization;
using System.Text.Json;
using Duragent.Storage.File;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Duragent.Integration.Tests.Storage;

/// <summary>
/// Kills a real process that appends to file event logs (SIGKILL, at random moments) again and again, and checks
/// after every kill that each acknowledged event is on disk, in order, exactly once, with no gap, and that the logs
/// still load (torn tails are allowed and repaired). The kill count is <c>DURAGENT_CRASH_KILLS</c> (50 by default).
/// </summary>
public sealed class FileStorageCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int DefaultKills = 50;
    private const int Logs = 4;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "duragent-crash", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task KilledWriter_NeverLosesAnAcknowledgedEvent()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("DURAGENT_CRASH_KILLS"), NumberStyles.None, CultureInfo.InvariantCulture, out var configured) && configured > 0
            ? configured
            : DefaultKills;
        var random = new Random(Environment.TickCount);
        var ackedThrough = new Dictionary<string, long>(StringComparer.Ordinal);
        var present = new Dictionary<string, long>(StringComparer.Ordinal);
        long acknowledged = 0, tornTails = 0;

        for (var kill = 1; kill <= kills; kill++)
        {
            using var harness = CrashHarnessProcess.Start(_root, Logs, seed: random.Next(1, int.MaxValue));
            await harness.WaitForAcksAsync(random.Next(1, 300), TimeSpan.FromSeconds(60));
            await harness.KillAsync();

            foreach (var (log, resumed) in harness.ResumedAt)
            {
                Assert.True(resumed == present.GetValueOrDefault(log) + 1,
                    $"Kill {kill}: the harness resumed {log} at seq {resumed}, but {present.GetValueOrDefault(log)} events were on disk after the previous kill.");
            }

            foreach (var (log, last) in harness.AckedThrough)
            {
                ackedThrough[log] = Math.Max(ackedThrough.GetValueOrDefault(log), last);
            }

            acknowledged += harness.AckedEvents;
            using var provider = new FileStorageProvider(new FileStorageOptions { RootDirectory = _root });
            for (var index = 0; index < Logs; index++)
            {
                var log = $"crash-{index}";
                var count = await VerifyLogAsync(provider, log, kill);
                Assert.True(count >= ackedThrough.GetValueOrDefault(log),
                    $"Kill {kill}: {log} holds {count} events, but events up to {ackedThrough.GetValueOrDefault(log)} were acknowledged.");
                present[log] = count;
            }

            tornTails += provider.Statistics.TornTailsRepaired;
        }

        var found = present.Values.Sum();
        output.WriteLine($"kills: {kills}");
        output.WriteLine($"acknowledged events: {acknowledged}");
        output.WriteLine($"events found after the last kill: {found} (the highest acknowledged seqs add up to {ackedThrough.Values.Sum()}; "
            + "events beyond them, or between acknowledged ones, were durable but their process died before printing the ack)");
        output.WriteLine($"torn tails repaired: {tornTails}");
        Assert.True(acknowledged > 0, "The harness acknowledged nothing.");
    }

    private static async Task<long> VerifyLogAsync(FileStorageProvider provider, string log, int kill)
    {
        var id = GrainId.Create("session", log);
        long expected = 1;
        await foreach (var stored in provider.EventLog.ReadAsync(id, 1))
        {
            Assert.True(stored.Seq == expected, $"Kill {kill}: {log} has seq {stored.Seq} where {expected} was expected.");
            using var json = JsonDocument.Parse(stored.Json);
            Assert.Equal(log, json.RootElement.GetProperty("log").GetString());
            Assert.Equal(stored.Seq, json.RootElement.GetProperty("n").GetInt64());
            expected++;
        }

        var info = await provider.EventLog.GetInfoAsync(id);
        Assert.Equal(expected, info.NextSeq);
        return expected - 1;
    }
}
