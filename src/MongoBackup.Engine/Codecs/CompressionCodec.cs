namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Wraps streams for compressing and decompressing dump files, and recognises a file's compression
/// by its name (as mongorestore does) or by its first bytes (for archives, whose names say nothing).
/// </summary>
public static class CompressionCodec
{
    /// <summary>zstd level 3 is zstd's own default: most of the ratio at a fraction of the cost of higher levels.</summary>
    public const int ZstdLevel = 3;

    private static readonly byte[] GzipMagic = [0x1f, 0x8b];
    private static readonly byte[] ZstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>
    /// Returns a stream that compresses into <paramref name="inner"/> at <paramref name="level"/> (see
    /// <see cref="CompressionLevels"/>; ignored for None); disposing it flushes and disposes <paramref name="inner"/>,
    /// unless <paramref name="abandon"/> has been cancelled (the run was stopped): then what is left is dropped, not written.
    /// </summary>
    public static Stream WrapForWrite(Stream inner, Compression c,
        System.IO.Compression.CompressionLevel level = System.IO.Compression.CompressionLevel.Optimal, CancellationToken abandon = default)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return c switch
        {
            Compression.None => inner,
            // Both compress on every core, in independent blocks.
            Compression.Gzip or Compression.Zstd => new ParallelCompressionStream(inner, c, level, abandon),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c, "Unknown compression."),
        };
    }

    /// <summary>
    /// Returns a stream that decompresses <paramref name="inner"/>; disposing it disposes <paramref name="inner"/>.
    /// The data must end exactly where its format says (see <see cref="ParallelGzipReadStream"/>,
    /// <see cref="StrictGzipReadStream"/> and <see cref="ParallelZstdReadStream"/>): an empty, cut or damaged stream, or one with bytes after its last member
    /// or frame, fails with an <see cref="InvalidDataException"/>. Decompressed reads are buffered: documents are read
    /// a length prefix and a body at a time, and small reads straight off a decompressor cost far more than the copy
    /// (zstd frames, and gzip members that carry their size, decode whole, on every core, into buffers small reads are
    /// served from).
    /// </summary>
    public static Stream WrapForRead(Stream inner, Compression c)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return c switch
        {
            Compression.None => inner,
            Compression.Gzip => new ParallelGzipReadStream(inner), // inflated members (or the serial reader) are its buffer
            Compression.Zstd => new ParallelZstdReadStream(inner), // decoded frames are its buffer
            _ => throw new ArgumentOutOfRangeException(nameof(c), c, "Unknown compression."),
        };
    }

    /// <summary>The suffix appended to a dump file's name: "", ".gz" or ".zst".</summary>
    public static string FileSuffix(Compression c) => c switch
    {
        Compression.None => "",
        Compression.Gzip => ".gz",
        Compression.Zstd => ".zst",
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, "Unknown compression."),
    };

    /// <summary>The compression a file name's suffix announces (".gz", ".zst", otherwise none).</summary>
    public static Compression FromFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return Compression.Gzip;
        if (name.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)) return Compression.Zstd;
        return Compression.None;
    }

    /// <summary>The compression whose magic number starts <paramref name="firstBytes"/>; None when neither matches.</summary>
    public static Compression Sniff(ReadOnlySpan<byte> firstBytes)
    {
        if (firstBytes.StartsWith(GzipMagic)) return Compression.Gzip;
        if (firstBytes.StartsWith(ZstdMagic)) return Compression.Zstd;
        return Compression.None;
    }
}
