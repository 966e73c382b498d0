using System.Diagnostics;
using System.Globalization;
using Duragent.Integration.Tests.Cli;

namespace Duragent.Integration.Tests.Sessions;

/// <summary>
/// A session's reminder row as the file reminder table keeps it, <c>.duragent/reminders/session/&lt;id&gt;/&lt;name&gt;.yaml</c>
/// (docs/storage.md, "Reminder rows"), read straight from disk: what survives a kill is what is in the file.
/// </summary>
internal sealed record ReminderRowFile(long Version, DateTime StartAt, TimeSpan Period, string Text)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static string PathOf(CliWorkspace workspace, string sessionId, string reminderName) =>
        Path.Combine(workspace.Directory, ".duragent", "reminders", "session", sessionId, reminderName + ".yaml");

    /// <summary>The row, or null when the file does not exist.</summary>
    public static ReminderRowFile? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var fields = text.Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
        return new ReminderRowFile(
            long.Parse(fields["version"], CultureInfo.InvariantCulture),
            DateTime.Parse(fields["start_at"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            TimeSpan.ParseExact(fields["period"], "c", CultureInfo.InvariantCulture),
            text);
    }

    /// <summary>Polls the file until <paramref name="match"/> accepts what it holds (null: no file).</summary>
    public static async Task<ReminderRowFile?> WaitForAsync(string path, Func<ReminderRowFile?, bool> match, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var row = Read(path);
            if (match(row))
            {
                return row;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what} ({path}); the file holds:\n{row?.Text ?? "(no file)"}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The file with its <c>start_at</c> replaced, as an operator may edit it while the silo is stopped.</summary>
    public static void RewriteStartAt(string path, DateTime startAt)
    {
        var lines = File.ReadAllLines(path).Select(line => line.StartsWith("start_at:", StringComparison.Ordinal)
            ? "start_at: " + startAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)
            : line);
        File.WriteAllLines(path, lines);
    }
}
