using System.Runtime.InteropServices;

namespace Duragent.Cli.Serve;

/// <summary>
/// Leaves the caller's process group and terminal session (<c>setsid()</c>), so a server started by a client in the
/// background does not get the Ctrl-C (SIGINT) meant for that client.
/// </summary>
internal static partial class ProcessSession
{
    /// <summary>Calls <c>setsid()</c> on Linux and macOS; returns false with the reason when it did not happen.</summary>
    public static bool TryDetach(out string? problem)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            problem = "setsid() is not available on this platform";
            return false;
        }

        if (SetSid() == -1)
        {
            problem = $"setsid() failed with errno {Marshal.GetLastPInvokeError()}";
            return false;
        }

        problem = null;
        return true;
    }

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int SetSid();
}
