namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Reads a few bytes already taken from a stream, then the rest of that stream: a reader that looked at a header
/// and found it is not one it handles gives the header and what follows to another. The inner stream is not disposed
/// with it (whoever opened it does).
/// </summary>
internal sealed class PrefixedReadStream(byte[] prefix, int prefixLength, Stream inner) : ReadOnlyStream
{
    private int _prefixRead;

    public override int Read(Span<byte> destination)
    {
        if (_prefixRead < prefixLength) return FromPrefix(destination);
        return inner.Read(destination);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_prefixRead < prefixLength) return ValueTask.FromResult(FromPrefix(destination.Span));
        return inner.ReadAsync(destination, ct);
    }

    private int FromPrefix(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, prefixLength - _prefixRead);
        prefix.AsSpan(_prefixRead, n).CopyTo(destination);
        _prefixRead += n;
        return n;
    }
}
