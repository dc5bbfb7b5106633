using System.Buffers;
using System.Buffers.Binary;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Decompresses gzip (RFC 1952, any number of members) on every core when its members say how long they are, and
/// on one thread when they do not, delivering the data in order. Our writer (<see cref="ParallelCompressionStream"/>)
/// stores each file as independent members of at most 1 MiB whose headers carry their own size
/// (<see cref="GzipMemberSize"/>), so a member can be cut from the file without inflating what comes before it: a
/// window of a few whole members inflates on the thread pool while the caller reads the oldest. From the first member
/// that carries no size (mongodump's single member, files our older versions wrote, an empty file's member), the rest
/// of the file is read by <see cref="StrictGzipReadStream"/> on the caller's thread, as before. Memory stays bounded
/// (the window, buffers rented from the shared pool).
/// <para>
/// Every way the data can fail to end where its last member ends is an <see cref="InvalidDataException"/>
/// (<see cref="CompressionDamage"/>) thrown when the reader reaches it, after all the data before it: an empty file,
/// a cut inside a member, bytes after the last member, a member that does not inflate or whose CRC-32 or length does
/// not match, or whose declared size is not where it ends. A sized member's failure names its offsets in the file.
/// </para>
/// The source is read forward, each byte once, and to its end (a decrypting or hashing stream may sit under it).
/// </summary>
internal sealed class ParallelGzipReadStream : WindowedDecodeStream
{
    /// <summary>Members declaring more compressed bytes than this are read serially (ours are about 1 MiB or less).</summary>
    internal const int MaxWholeMember = 16 << 20;
    /// <summary>Members whose trailer declares more content than this are read serially (ours hold 1 MiB).</summary>
    internal const int MaxWholeMemberContent = 8 << 20;

    private long _position;     // compressed bytes read from the source
    private long _sizedMembers; // members cut by their declared size
    private bool _restHandedOn; // the rest of the file went to the serial reader: nothing more to cut

    public ParallelGzipReadStream(Stream inner) : base(inner) { }

    /// <summary>Cuts the next member by the size its header declares; from one without a size, hands the rest to the serial reader.</summary>
    protected override async ValueTask<Pending?> CutNextAsync(bool async, CancellationToken ct)
    {
        if (_restHandedOn) return null;
        var start = _position;
        var header = new byte[GzipMemberSize.FixedHeaderLength + 2];
        var got = await FillAsync(header.AsMemory(0, GzipMemberSize.FixedHeaderLength), async, ct).ConfigureAwait(false);
        if (got == 0 && _sizedMembers > 0) return null; // the data ends where its last member ended
        if (got < GzipMemberSize.FixedHeaderLength || !GzipMemberSize.HasOnlyExtraFlag(header)) return Serially(header, got, start);
        got += await FillAsync(header.AsMemory(got, 2), async, ct).ConfigureAwait(false);
        if (got < header.Length) return Serially(header, got, start);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(GzipMemberSize.FixedHeaderLength));
        var headerLength = header.Length + extraLength;
        var taken = new byte[headerLength];
        header.CopyTo(taken, 0);
        got += await FillAsync(taken.AsMemory(got, extraLength), async, ct).ConfigureAwait(false);
        if (got < headerLength) return Serially(taken, got, start);
        var size = GzipMemberSize.Find(taken.AsSpan(header.Length));
        // The smallest deflate data is 2 bytes (an empty final fixed block).
        if (size is not { } declared || declared < headerLength + 2 + GzipMemberSize.TrailerLength || declared > MaxWholeMember)
            return Serially(taken, got, start);

        var memberSize = (int)declared;
        var member = ArrayPool<byte>.Shared.Rent(memberSize);
        taken.CopyTo(member, 0);
        try
        {
            got += await FillAsync(member.AsMemory(got, memberSize - got), async, ct).ConfigureAwait(false);
            if (got < memberSize)
                throw CompressionDamage.CutShort($"the gzip data ends inside a member after {_position} bytes: the member at byte offset {start} " +
                    $"declares {memberSize} bytes", _position);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(member);
            throw;
        }
        _sizedMembers++;
        var contentSize = BinaryPrimitives.ReadUInt32LittleEndian(member.AsSpan(memberSize - 4));
        // ISIZE is the content's length modulo 2^32: a member claiming much is not held whole, it streams.
        if (contentSize > MaxWholeMemberContent) return Serially(member, memberSize, start);
        var end = _position;
        return Pending.Block(Task.Run(() => Inflate(member, memberSize, (int)contentSize, start, end)));
    }

    /// <summary>The rest of the file, from <paramref name="start"/> (the bytes already taken first), for the serial reader.</summary>
    private Pending Serially(byte[] taken, int length, long start)
    {
        _restHandedOn = true;
        return Pending.Streamed(new StrictGzipReadStream(new PrefixedReadStream(taken, length, Inner), start));
    }

    private async ValueTask<int> FillAsync(Memory<byte> buffer, bool async, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = async
                ? await Inner.ReadAsync(buffer[total..], ct).ConfigureAwait(false)
                : Inner.Read(buffer.Span[total..]);
            if (n == 0) break;
            total += n;
        }
        _position += total;
        return total;
    }

    private static Decoded Inflate(byte[] member, int memberSize, int contentSize, long start, long end)
    {
        var output = contentSize == 0 ? [] : ArrayPool<byte>.Shared.Rent(contentSize);
        string problem;
        Exception? cause = null;
        try
        {
            // The strict reader checks the member's CRC-32 and ISIZE, and that it ends exactly where its size says.
            using var gzip = new StrictGzipReadStream(new MemoryStream(member, 0, memberSize, writable: false));
            var length = 0;
            int n;
            while (length < contentSize && (n = gzip.Read(output.AsSpan(length, contentSize - length))) > 0) length += n;
            Span<byte> probe = stackalloc byte[1];
            if (length == contentSize && gzip.Read(probe) == 0) return new Decoded(output, length);
            problem = $"its trailer declares {contentSize} bytes of content and it holds {(length < contentSize ? length.ToString() : "more")}";
        }
        catch (InvalidDataException e)
        {
            problem = CompressionDamage.Reason(e);
            cause = e;
        }
        finally { ArrayPool<byte>.Shared.Return(member); }
        if (output.Length > 0) ArrayPool<byte>.Shared.Return(output);
        throw CompressionDamage.Create($"the gzip data is damaged: the member at byte offsets {start} to {end} does not decompress ({problem})", end, cause);
    }
}
