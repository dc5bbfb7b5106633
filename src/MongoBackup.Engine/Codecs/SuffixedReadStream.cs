namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Reads the inner stream's bytes, then a fixed suffix (possibly empty), counting the inner bytes: a decompressor
/// reading through it tells how much of the file it had consumed when it failed or ended, and whether it has begun
/// on the suffix (<see cref="InSuffix"/>), after which what it decodes may be made of the suffix's bytes.
/// The suffix is never handed out in the same read as inner bytes.
/// </summary>
internal sealed class SuffixedReadStream(Stream inner, byte[] suffix) : ReadOnlyStream
{
    private int _suffixRead = -1;

    /// <summary>Bytes of the inner stream read so far; all of it once <see cref="InSuffix"/>.</summary>
    public long InnerBytes { get; private set; }

    /// <summary>True once the inner stream has ended and a read was answered from the suffix (or found it empty).</summary>
    public bool InSuffix => _suffixRead >= 0;

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

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
