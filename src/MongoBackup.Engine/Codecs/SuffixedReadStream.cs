namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Reads the inner stream's bytes, then a fixed suffix (possibly empty), counting the inner bytes: a decompressor
/// reading through it tells how much of the file it had consumed when it failed or ended.
/// </summary>
internal sealed class SuffixedReadStream(Stream inner, byte[] suffix) : Stream
{
    private int _suffixRead = -1;

    public long InnerBytes { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_suffixRead < 0)
        {
            var n = inner.Read(destination);
            if (n > 0 || destination.IsEmpty) return Counted(n);
            _suffixRead = 0;
        }
        return FromSuffix(destination);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_suffixRead < 0)
        {
            var n = await inner.ReadAsync(destination, ct).ConfigureAwait(false);
            if (n > 0 || destination.IsEmpty) return Counted(n);
            _suffixRead = 0;
        }
        return FromSuffix(destination.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Counted(int n)
    {
        InnerBytes += n;
        return n;
    }

    private int FromSuffix(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, suffix.Length - _suffixRead);
        suffix.AsSpan(_suffixRead, n).CopyTo(destination);
        _suffixRead += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
