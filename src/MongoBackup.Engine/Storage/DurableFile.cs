namespace MongoBackup.Engine.Storage;

/// <summary>
/// A new file that reaches stable storage before it closes (owner-only, as every repository file). While it is written,
/// every <see cref="WritebackStep"/> bytes are handed to the device's writeback (<see cref="StableStorage.StartWriteback"/>)
/// without waiting, so the flush at its close, which the commit waits for, finds little left to write.
/// </summary>
internal sealed class DurableFile(string path, StableStorage storage) : FileStream(path, OwnerOnlyFiles.WriteOptions(FileMode.Create, BufferBytes))
{
    /// <summary>How many written bytes go to writeback at once: large enough to cost one system call per 8 MiB.</summary>
    internal const long WritebackStep = 8 << 20;
    private const int BufferBytes = 1 << 16;

    private bool _flushed;
    private long _writtenBack;

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        base.Write(buffer, offset, count);
        AfterWrite();
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        base.Write(buffer);
        AfterWrite();
    }

    /// <inheritdoc/>
    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        await base.WriteAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        AfterWrite();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        AfterWrite();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) FlushOnce();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        FlushOnce();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void AfterWrite()
    {
        var written = Position;
        if (written - _writtenBack < WritebackStep) return;
        // The last buffer's worth may still sit in this stream's buffer, not yet the system's: the next range takes it
        // again (a range the system holds no dirty pages of costs nothing), and the flush at close takes whatever is left.
        var from = Math.Max(0, _writtenBack - BufferBytes);
        storage.StartWriteback(this, from, written - from);
        _writtenBack = written;
    }

    private void FlushOnce()
    {
        if (_flushed || !CanWrite) return;
        _flushed = true;
        storage.FlushFile(this);
    }
}
