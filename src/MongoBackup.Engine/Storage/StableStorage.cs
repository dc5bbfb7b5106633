using System.Runtime.InteropServices;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Puts what a folder repository wrote on stable storage: a file's content (fsync), and a folder's entries (fsync of
/// the folder itself, so a file created or renamed in it survives a power cut). A manifest may only exist once every
/// file it vouches for is on stable storage, so the folder repository flushes each file as it closes, then
/// the folders, then renames the manifest into place, then flushes the folder holding it.
/// Windows has no fsync of a folder (NTFS journals its metadata); there only files are flushed.
/// </summary>
internal class StableStorage
{
    public static readonly StableStorage System = new();

    private const int ReadOnly = 0; // O_RDONLY on Linux and macOS

    /// <summary>Flushes a file's written bytes through every cache to the device (fsync / FlushFileBuffers).</summary>
    public virtual void FlushFile(FileStream file) => file.Flush(flushToDisk: true);

    /// <summary>Flushes a folder's entries (files created, renamed or removed in it) to the device.</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed; the message names it.</exception>
    public virtual void FlushDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(path, ReadOnly);
        if (fd < 0) throw Failure("open", path);
        try
        {
            if (Fsync(fd) != 0) throw Failure("fsync", path);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string call, string path) =>
        new($"Could not {call} the folder '{path}' to put it on stable storage: {Marshal.GetLastPInvokeErrorMessage()}.",
            Marshal.GetLastPInvokeError());

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
