using System.Runtime.InteropServices;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// Counts how often a local file is opened from now on, through Linux's inotify (IN_OPEN, inotify(7)): each open is one
/// pass a reader makes over the file. For what a restore reads of a mongodump folder, which it opens by path (a
/// repository's files are counted by <see cref="MeteredRepository"/> instead). The kernel queues an event as the open
/// happens, so <see cref="Opens"/> read after the command has every open the command made. It merges an event into the
/// one queued before it when the two are identical and the older is unread (inotify(7), "coalesced"), so reads and
/// closes are watched too: two passes one after the other (open, reads, close, open...) are never merged; two opens with
/// no read between them would count once.
/// </summary>
public sealed class FileOpenCounter : IDisposable
{
    private const int InNonBlock = 0x800; // IN_NONBLOCK = O_NONBLOCK
    private const uint InAccess = 0x1, InCloseNoWrite = 0x10, InOpen = 0x20, InQueueOverflow = 0x4000;
    private const int EventHeader = 16; // struct inotify_event: int wd; uint32_t mask, cookie, len; then len bytes of name
    private readonly int _fd;
    private int _opens;

    public FileOpenCounter(string path)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Counting a file's opens uses Linux's inotify.");
        _fd = InotifyInit1(InNonBlock);
        if (_fd < 0) throw new IOException($"inotify_init1 failed (errno {Marshal.GetLastPInvokeError()}).");
        if (InotifyAddWatch(_fd, path, InOpen | InAccess | InCloseNoWrite) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Close(_fd);
            throw new IOException($"inotify_add_watch failed for {Path.GetFileName(path)} (errno {errno}).");
        }
    }

    /// <summary>The opens of the file since this counter was made.</summary>
    public int Opens
    {
        get
        {
            var buffer = new byte[4096];
            while (true)
            {
                var read = (int)Read(_fd, buffer, buffer.Length);
                if (read <= 0) return _opens; // EAGAIN: nothing more queued
                for (var at = 0; at + EventHeader <= read; at += EventHeader + BitConverter.ToInt32(buffer, at + 12))
                {
                    var mask = BitConverter.ToUInt32(buffer, at + 4);
                    if ((mask & InQueueOverflow) != 0) throw new InvalidOperationException("inotify's queue overflowed: the opens were not all counted.");
                    if ((mask & InOpen) != 0) _opens++;
                }
            }
        }
    }

    public void Dispose() => Close(_fd);

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static extern int InotifyInit1(int flags);

    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    private static extern int InotifyAddWatch(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mask);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
