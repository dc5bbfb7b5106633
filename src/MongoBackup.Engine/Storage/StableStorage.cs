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

    /// <summary>
    /// Starts writing a range of a file's bytes, already handed to the operating system, out to the device without
    /// waiting for it (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE), so the writeback of a large file overlaps its
    /// writing and the <see cref="FlushFile"/> at its close has only its tail left to wait for (that fsync measured 0.06-0.15 s
    /// per data file of a 300,000-document backup, on the commit's path). Only a head start: durability still comes from
    /// <see cref="FlushFile"/> alone, so elsewhere, or when the call fails, nothing is done.
    /// </summary>
    public virtual void StartWriteback(FileStream file, long offset, long count)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || count <= 0) return;
        var added = false;
        var handle = file.SafeFileHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            _ = SyncFileRange((int)handle.DangerousGetHandle(), offset, count, SyncFileRangeWrite);
        }
        catch (EntryPointNotFoundException) { } // a libc without it (not glibc or musl): the fsync at close does it all
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

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

    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE, <linux/fs.h>

    // off64_t arguments: called only in 64-bit processes, where long is their size.
    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long count, uint flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
