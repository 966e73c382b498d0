using System.Globalization;

namespace Duragent.Bench.Processes;

/// <summary>
/// A process's memory from <c>/proc/&lt;pid&gt;/status</c>, in KiB: resident (<c>VmRSS</c> = anonymous + file-backed +
/// shared), its anonymous part (heaps, stacks: what the process allocated) and its file-backed part (mapped code,
/// mostly the executable itself), and the peak (<c>VmHWM</c>).
/// </summary>
internal readonly record struct ProcessMemory(long RssKiB, long AnonKiB, long FileKiB, long PeakKiB, int Threads)
{
    public double RssMiB => RssKiB / 1024.0;

    public double AnonMiB => AnonKiB / 1024.0;

    public double FileMiB => FileKiB / 1024.0;

    public static ProcessMemory Read(int pid)
    {
        long rss = 0, anon = 0, file = 0, peak = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon];
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "VmRSS": rss = Kib(value); break;
                case "RssAnon": anon = Kib(value); break;
                case "RssFile": file = Kib(value); break;
                case "VmHWM": peak = Kib(value); break;
                case "Threads": threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: break;
            }
        }

        return new ProcessMemory(rss, anon, file, peak, threads);
    }

    private static long Kib(string value) => long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
}
