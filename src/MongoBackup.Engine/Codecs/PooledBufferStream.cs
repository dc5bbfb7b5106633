using System.Buffers;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// A write-only stream into a buffer rented from the shared pool that grows (doubling, by renting a larger one) as
/// long as writes come: a compressor's output has no size that can be known beforehand (gzip at its fastest level
/// turns random bytes into 5.5% more), so no fixed-size buffer may receive it. <see cref="Detach"/> hands the buffer
/// to whoever writes it out, who returns it to the pool.
/// </summary>
internal sealed class PooledBufferStream(int initialCapacity) : Stream
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    private int _length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _buffer.Length - _length) Grow(buffer.Length);
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    private void Grow(int needed)
    {
        var capacity = Math.Max((long)_length + needed, 2L * _buffer.Length);
        if (capacity > Array.MaxLength) capacity = Math.Max((long)_length + needed, Array.MaxLength);
        var larger = ArrayPool<byte>.Shared.Rent(checked((int)capacity));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>The written bytes as a rented buffer and its length; the caller returns the buffer to the pool.</summary>
    public (byte[] Buffer, int Length) Detach()
    {
        var detached = (_buffer, _length);
        _buffer = [];
        _length = 0;
        return detached;
    }

    /// <summary>Forgets what was written, keeping the buffer for the next attempt.</summary>
    public void Clear() => _length = 0;

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
        base.Dispose(disposing);
    }
}
