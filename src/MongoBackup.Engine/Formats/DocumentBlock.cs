using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Whole raw BSON documents laid end to end in one pooled buffer, as a dump file holds them: the unit in which a
/// restore moves documents from a file to the server, so no document is copied into an array of its own. Filled by
/// <see cref="BsonDocumentReader.ReadBlockAsync"/>, which has checked every document in it. Whoever receives a block
/// owns it and disposes it once its documents are sent, which returns the buffer to the pool; the documents' memory
/// must not be used after that.
/// </summary>
public sealed class DocumentBlock : IDisposable
{
    /// <summary>
    /// How many bytes of documents readers put in a block: a few hundred typical documents. 16 KiB short of the 1 MiB
    /// buffer it is rented with, so that two (or four) blocks, with an insert command's header and index names, fill a
    /// pooled command buffer of 2 (or 4) MiB, the batch bytes, instead of needing one twice as large.
    /// </summary>
    public const int TargetBytes = 1024 * 1024 - 16 * 1024;

    private byte[] _buffer;
    private int[] _offsets;

    /// <param name="capacity">Bytes the buffer holds before it grows (a document larger than that still fits).</param>
    public DocumentBlock(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 16));
        _offsets = ArrayPool<int>.Shared.Rent(256);
    }

    /// <summary>The documents' bytes, end to end; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Bytes => _buffer.AsMemory(0, Length);

    /// <summary>The buffer behind <see cref="Bytes"/> (longer than <see cref="Length"/>); valid until <see cref="Dispose"/>.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Bytes of documents held.</summary>
    public int Length { get; private set; }

    /// <summary>Documents held.</summary>
    public int Count { get; private set; }

    /// <summary>Where document <paramref name="index"/> starts in <see cref="Buffer"/>; its length is its first 4 bytes.</summary>
    public int OffsetOf(int index) => (uint)index < (uint)Count ? _offsets[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Document <paramref name="index"/>'s bytes.</summary>
    public ReadOnlyMemory<byte> Document(int index)
    {
        var offset = OffsetOf(index);
        return _buffer.AsMemory(offset, BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset, 4)));
    }

    /// <summary>Each document as an array of its own (for the few readers that keep documents, such as users and roles).</summary>
    public IEnumerable<byte[]> ToArrays()
    {
        for (var i = 0; i < Count; i++) yield return Document(i).ToArray();
    }

    /// <summary>Room for <paramref name="length"/> more bytes at the end, growing the buffer when needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Span<byte> Append(int length)
    {
        if (Length + length > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + length, _buffer.Length * 2));
            _buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        if (Count == _offsets.Length)
        {
            var more = ArrayPool<int>.Shared.Rent(_offsets.Length * 2);
            _offsets.AsSpan().CopyTo(more);
            ArrayPool<int>.Shared.Return(_offsets);
            _offsets = more;
        }
        _offsets[Count++] = Length;
        var room = _buffer.AsSpan(Length, length);
        Length += length;
        return room;
    }

    /// <summary>
    /// Returns the buffers to the pool; the block then holds nothing, and memory handed out before must not be used.
    /// </summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        var offsets = Interlocked.Exchange(ref _offsets, []);
        if (offsets.Length > 0) ArrayPool<int>.Shared.Return(offsets);
        Length = Count = 0;
    }
}
