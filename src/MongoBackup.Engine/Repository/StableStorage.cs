using System.Runtime.InteropServices;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Puts what a folder repository wrote on stable storage: a file's content (fsync), and a folder's entries (fsync of
/// the folder itself, so a file created or renamed in it survives a power cut). A manifest may only exist once every
/// file it vouches for is on stable storage, so <see cref="FolderRepository"/> flushes each file as it closes, then
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

/// <summary>A file being written into a folder repository: flushed to stable storage when closed, before anyone can rely on it.</summary>
internal sealed class StableFileStream(FileStream file, StableStorage storage) : Stream
{
    private bool _closed;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_closed;
    public override long Length => file.Length;
    public override long Position { get => file.Position; set => throw new NotSupportedException(); }
    public override void Flush() => file.Flush();
    public override Task FlushAsync(CancellationToken ct) => file.FlushAsync(ct);
    public override void Write(byte[] buffer, int offset, int count) => file.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => file.Write(buffer);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => file.WriteAsync(buffer, ct);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => file.WriteAsync(buffer, offset, count, ct);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            _closed = true;
            // A failed flush must fail the file (and so the snapshot); the handle is closed either way.
            try { storage.FlushFile(file); }
            finally { file.Dispose(); }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _closed = true;
            try
            {
                await file.FlushAsync().ConfigureAwait(false);
                storage.FlushFile(file);
            }
            finally { await file.DisposeAsync().ConfigureAwait(false); }
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
