using System.Buffers.Binary;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// A gzip member's own size, carried in its header's extra field, so a reader can cut a multi-member file into members
/// without inflating it first and inflate them on several cores. RFC 1952 (2.3.1, 2.3.1.1) lets a member's header
/// carry an extra field (FLG.FEXTRA, XLEN, then subfields of SI1, SI2, a 2-byte LEN and LEN bytes) that every
/// decoder skips: Go's compress/gzip (mongorestore --gzip) keeps it as <c>Header.Extra</c> and ignores it, zlib and
/// .NET's GZipStream step over it, gunzip too. BGZF (the SAM/BAM specification's blocked gzip, htslib's bgzip)
/// uses the same means: subfield 'B','C' with LEN 2 holding BSIZE, the member's total size minus 1. BSIZE's 16 bits
/// cannot hold our ~1 MiB members, so ours is subfield 'M','B' (MongoBackup) with LEN 4: the member's total size in
/// bytes, header to trailer, little-endian like every gzip integer. Readers take either.
/// </summary>
internal static class GzipMemberSize
{
    /// <summary>What our writer adds after the fixed 10-byte header: XLEN (2) and one subfield (2 + 2 + 4).</summary>
    public const int ExtraLength = 10;
    /// <summary>The fixed part of a gzip member's header (ID1, ID2, CM, FLG, MTIME, XFL, OS).</summary>
    public const int FixedHeaderLength = 10;
    /// <summary>CRC-32 and ISIZE.</summary>
    public const int TrailerLength = 8;
    private const byte FlagExtra = 0x04;
    private const byte OurSi1 = (byte)'M', OurSi2 = (byte)'B';
    private const byte BgzfSi1 = (byte)'B', BgzfSi2 = (byte)'C';

    /// <summary>
    /// Turns a member written after <see cref="ExtraLength"/> reserved bytes (<paramref name="buffer"/>[0..10) unused,
    /// then a header without flags as zlib writes it, deflate data, trailer) into one whose header carries its size.
    /// Only the 10 header bytes move; the deflate data and trailer stay where they are.
    /// </summary>
    /// <param name="length">Bytes used in <paramref name="buffer"/>, the reserved ones included: the member's size after.</param>
    public static void Insert(Span<byte> buffer, int length)
    {
        var header = buffer.Slice(ExtraLength, FixedHeaderLength);
        if (header[0] != 0x1f || header[1] != 0x8b || header[2] != 8 || header[3] != 0)
            throw new InvalidOperationException("The gzip writer's header is not the flagless one expected; its size cannot be inserted.");
        header.CopyTo(buffer);
        buffer[3] = FlagExtra;
        var extra = buffer.Slice(FixedHeaderLength, ExtraLength);
        BinaryPrimitives.WriteUInt16LittleEndian(extra, ExtraLength - 2);
        extra[2] = OurSi1;
        extra[3] = OurSi2;
        BinaryPrimitives.WriteUInt16LittleEndian(extra[4..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(extra[6..], checked((uint)length));
    }

    /// <summary>
    /// The size a member declares in the subfields of its extra field (<paramref name="extraField"/>: the XLEN bytes after
    /// XLEN), ours or BGZF's; null when it declares none.
    /// </summary>
    public static long? Find(ReadOnlySpan<byte> extraField)
    {
        while (extraField.Length >= 4)
        {
            var si1 = extraField[0];
            var si2 = extraField[1];
            int len = BinaryPrimitives.ReadUInt16LittleEndian(extraField[2..]);
            if (len > extraField.Length - 4) return null; // a malformed field: let the serial decoder judge the member
            var data = extraField.Slice(4, len);
            if (si1 == OurSi1 && si2 == OurSi2 && len == 4) return BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (si1 == BgzfSi1 && si2 == BgzfSi2 && len == 2) return BinaryPrimitives.ReadUInt16LittleEndian(data) + 1L;
            extraField = extraField[(4 + len)..];
        }
        return null;
    }

    /// <summary>Whether a member's fixed header is gzip's with only FLG.FEXTRA set: the only form a size is looked for in.</summary>
    public static bool HasOnlyExtraFlag(ReadOnlySpan<byte> fixedHeader) =>
        fixedHeader.Length >= FixedHeaderLength && fixedHeader[0] == 0x1f && fixedHeader[1] == 0x8b && fixedHeader[2] == 8 &&
        fixedHeader[3] == FlagExtra;
}
