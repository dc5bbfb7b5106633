namespace MongoBackup.Engine.Storage;

/// <summary>
/// A write-only pass-through over a store's upload stream that turns the store's own exceptions into
/// <see cref="MongoBackupException"/>s (which never quote a secret) on write, flush and close.
/// </summary>
internal sealed class ErrorTranslatingWriteStream(Stream inner, Func<Exception, Exception?> translate) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException("An upload has no length until it is closed.");
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var copy = buffer.ToArray();
        Guard(() => inner.Write(copy));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (translate(e) is { } translated) { throw translated; }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => Guard(inner.Flush);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try { await inner.FlushAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (translate(e) is { } translated) { throw translated; }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("An upload cannot be read.");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An upload is written front to back.");
    public override void SetLength(long value) => throw new NotSupportedException("An upload is written front to back.");

    protected override void Dispose(bool disposing)
    {
        if (disposing) Guard(inner.Dispose);
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        try { await inner.DisposeAsync().ConfigureAwait(false); }
        catch (Exception e) when (translate(e) is { } translated) { throw translated; }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Guard(Action action)
    {
        try { action(); }
        catch (Exception e) when (translate(e) is { } translated) { throw translated; }
    }
}
