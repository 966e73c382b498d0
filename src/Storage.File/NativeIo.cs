using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Duragent.Storage.File;

/// <summary>
/// The few POSIX calls .NET does not expose: <c>fdatasync</c>, <c>syncfs</c>, fsync of a directory, and a raw read
/// that ignores .NET's advisory <c>flock</c> (used to read the holder's pid out of a locked <c>silo.lock</c>).
/// Every call falls back to the portable .NET equivalent where the platform is not Linux.
/// </summary>
internal static partial class NativeIo
{
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000;
    private const int EIntr = 4;

    // O_CLOEXEC has this value on Linux only; elsewhere the descriptor lives a few microseconds, so it is left out.
    private static int ReadOnlyFlags => OperatingSystem.IsLinux() ? ORdOnly | OCloExec : ORdOnly;

    /// <summary>True when <c>syncfs</c> is available (Linux).</summary>
    public static bool SupportsSyncFs => OperatingSystem.IsLinux();

    /// <summary>Flushes a file's data (and the metadata needed to read it back) to stable storage.</summary>
    public static void FlushData(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            int result;
            do
            {
                result = FDataSync(fd);
            }
            while (result != 0 && Marshal.GetLastPInvokeError() == EIntr);

            if (result != 0)
            {
                throw Failure("fdatasync", path);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Flushes every dirty page of the filesystem that holds <paramref name="handle"/> (Linux only).</summary>
    public static void SyncFileSystem(SafeFileHandle handle, string path)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (SyncFs((int)handle.DangerousGetHandle()) != 0)
            {
                throw Failure("syncfs", path);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Makes a directory's entries durable (a created, renamed or deleted file in it). Needed after rename-over
    /// and after creating a file; a no-op where directories cannot be opened (Windows commits renames itself).
    /// </summary>
    public static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        var fd = Open(directory, ReadOnlyFlags);
        if (fd < 0)
        {
            throw Failure("open (directory)", directory);
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw Failure("fsync (directory)", directory);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Reads up to <paramref name="maxBytes"/> of a file without taking .NET's share lock; null on any failure.</summary>
    public static byte[]? TryReadIgnoringShareLock(string path, int maxBytes)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        var fd = Open(path, ReadOnlyFlags);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            var buffer = new byte[maxBytes];
            var total = 0;
            while (total < buffer.Length)
            {
                var n = (int)Read(fd, ref buffer[total], (nuint)(buffer.Length - total));
                if (n <= 0)
                {
                    break;
                }

                total += n;
            }

            return buffer.AsSpan(0, total).ToArray();
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed for '{path}': {new Win32Exception(errno).Message} (errno {errno}).", errno);
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
