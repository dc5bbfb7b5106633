using System.Buffers;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// The decoded block a parallel reader (<see cref="ParallelGzipReadStream"/>, <see cref="ParallelZstdReadStream"/>) is
/// handing out: a buffer rented from <see cref="ArrayPool{T}.Shared"/>, the bytes already copied out of it, and its
/// return to the pool once it is used up or the reader is disposed.
/// </summary>
internal sealed class DecodedBlock
{
    private byte[] _buffer = [];
    private int _position, _length;

    /// <summary>Whether bytes of the current block are still to be handed out.</summary>
    public bool HasBytes => _position < _length;

    /// <summary>Copies as many of the block's remaining bytes as fit into <paramref name="destination"/>; returns how many.</summary>
    public int CopyTo(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _length - _position);
        _buffer.AsSpan(_position, n).CopyTo(destination);
        _position += n;
        return n;
    }

    /// <summary>Takes <paramref name="buffer"/>'s first <paramref name="length"/> bytes as the current block (the pool's buffer, returned by <see cref="Release"/>).</summary>
    public void Take(byte[] buffer, int length)
    {
        _buffer = buffer;
        _position = 0;
        _length = length;
    }

    /// <summary>Returns the current block's buffer to the pool; none is current afterwards.</summary>
    public void Release()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _position = _length = 0;
    }
}
