using MongoBackup.Engine.Codecs;
using System.Buffers.Binary;
using System.Security.Cryptography;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Security;

/// <summary>
/// Reads the chunked format back, authenticating every chunk before handing out a byte of it. A wrong key, an
/// altered, swapped or reordered chunk, a file cut short or missing its final chunk: each is a
/// <see cref="CorruptDumpException"/> naming the file and the chunk, at the stored file's offset where that chunk starts
/// (<see cref="DumpOffsetKind.StoredFile"/>; a file that ends without its end marker, where it ends): a place a user can
/// look up in the stored file, which the decrypted data's offsets are not.
/// </summary>
public sealed class DecryptingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly string _fileIdentity;
    private readonly string _displayName;
    private readonly DataKey _dataKey;
    private AesGcm? _aes;
    private readonly byte[] _cipher = new byte[ChunkedFileFormat.ChunkSize];
    private readonly byte[] _plain = new byte[ChunkedFileFormat.ChunkSize];
    private readonly byte[] _tag = new byte[ChunkedFileFormat.TagSize];
    private int _available, _offset;
    private long _index, _storedOffset, _chunkStart;
    private bool _sawFinal;

    /// <summary>
    /// Reads and authenticates the chunked form in <paramref name="inner"/>, written for <paramref name="fileIdentity"/>;
    /// errors name <paramref name="displayName"/> and the chunk (a <see cref="CorruptDumpException"/>).
    /// </summary>
    public DecryptingStream(Stream inner, DataKey dataKey, string fileIdentity, string displayName)
    {
        _inner = inner;
        _dataKey = dataKey;
        _fileIdentity = fileIdentity;
        _displayName = displayName;
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        while (_offset == _available)
            if (!NextChunk()) return 0;
        var n = Math.Min(buffer.Length, _available - _offset);
        _plain.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));

    /// <summary>Reads and authenticates the next chunk (possibly empty); false at the clean end after the final chunk.</summary>
    private bool NextChunk()
    {
        _aes ??= OpenHeader();
        _chunkStart = _storedOffset;
        Span<byte> header = stackalloc byte[4];
        var got = ReadFully(header);
        if (got == 0)
        {
            if (_sawFinal) return false;
            throw Corrupt($"the file ends there, after chunk {_index - 1}, without its end marker: it was cut short");
        }
        if (_sawFinal) throw Corrupt($"there is data after the end marker: it starts there, where chunk {_index} would (the file is at least {_storedOffset} bytes)");
        if (got < 4) throw CutChunk();
        var word = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var final = (word & ChunkedFileFormat.FinalFlag) != 0;
        var length = (int)(word & ~ChunkedFileFormat.FinalFlag);
        if (length > ChunkedFileFormat.ChunkSize) throw Corrupt($"chunk {_index}, which starts there, claims {length} bytes, more than a chunk holds");
        if (ReadFully(_cipher.AsSpan(0, length)) < length || ReadFully(_tag) < _tag.Length) throw CutChunk();
        try
        {
            _aes.Decrypt(ChunkedFileFormat.Nonce(_index, final), _cipher.AsSpan(0, length), _tag, _plain.AsSpan(0, length),
                ChunkedFileFormat.AssociatedData(_fileIdentity, _index, final));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Corrupt($"chunk {_index}, stored at byte offsets {_chunkStart} to {_storedOffset - 1}, does not authenticate: " +
                "it was altered, swapped or reordered, or belongs to another file");
        }
        _index++;
        _sawFinal = final;
        _available = length;
        _offset = 0;
        return true;
    }

    private AesGcm OpenHeader()
    {
        var header = new byte[ChunkedFileFormat.HeaderSize];
        if (ReadFully(header) < header.Length || !ChunkedFileFormat.IsEncrypted(header))
            throw new CorruptDumpException(_displayName, 0, "it is not an encrypted snapshot file (no MBE1 header)", offsetIn: DumpOffsetKind.StoredFile);
        var fileKey = _dataKey.DeriveFileKey(header[4..], _fileIdentity);
        var aes = new AesGcm(fileKey, ChunkedFileFormat.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
        return aes;
    }

    private int ReadFully(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = _inner.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        _storedOffset += total;
        return total;
    }

    /// <summary>Damage at the start of the chunk being read (where its length word is stored): an offset of the stored file.</summary>
    private CorruptDumpException Corrupt(string problem) => new(_displayName, _chunkStart, problem, offsetIn: DumpOffsetKind.StoredFile);

    private CorruptDumpException CutChunk() =>
        Corrupt($"chunk {_index}, which starts there, is cut short: the file ends at byte offset {_storedOffset}, inside it");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes?.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
