using System.Globalization;
using System.Text;

namespace Duragent.Storage.File;

/// <summary>
/// The exclusive lock on <c>&lt;root&gt;/silo.lock</c> that keeps a second silo from writing the same workspace.
/// It is an advisory <c>flock</c> held through the open file (.NET's <see cref="FileShare.None"/>), so the kernel
/// releases it when the process exits or is killed; a leftover file never blocks anyone. The holder writes its pid,
/// host and start time into the file for the error message of the next one.
/// </summary>
internal sealed class WorkspaceLock : IDisposable
{
    private readonly FileStream _stream;

    private WorkspaceLock(FileStream stream) => _stream = stream;

    public static WorkspaceLock Acquire(string lockFile, TimeProvider timeProvider)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException ex)
        {
            var pid = ReadHolderPid(lockFile);
            var holder = pid is null ? "another process" : $"another process (pid {pid})";
            throw new WorkspaceLockedException(
                $"The workspace storage is in use: {lockFile} is locked by {holder}. Only one Duragent silo may use a workspace at a time; stop the other one first.",
                lockFile, pid, ex);
        }

        try
        {
            var content = string.Create(CultureInfo.InvariantCulture,
                $"# Held by a running Duragent silo (released automatically when it exits).\npid: {Environment.ProcessId}\nhost: {Environment.MachineName}\nstarted_at: {timeProvider.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes(content));
            stream.Flush();
            return new WorkspaceLock(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Dispose() => _stream.Dispose();

    private static int? ReadHolderPid(string lockFile)
    {
        var bytes = NativeIo.TryReadIgnoringShareLock(lockFile, 4096);
        if (bytes is null)
        {
            return null;
        }

        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            if (line.StartsWith("pid:", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan(4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
        }

        return null;
    }
}
