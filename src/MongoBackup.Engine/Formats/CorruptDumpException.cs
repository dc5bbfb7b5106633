using MongoBackup.Engine.Codecs;
namespace MongoBackup.Engine.Formats;

/// <summary>What the offset of a <see cref="CorruptDumpException"/> counts.</summary>
public enum DumpOffsetKind
{
    /// <summary>
    /// The file's content: the BSON (or text) it decompresses and decrypts to, which is longer than the stored file; the
    /// stored file's own bytes for a file neither compressed nor encrypted.
    /// </summary>
    Content,

    /// <summary>The stored file's own bytes (its size, how much of it was read, where a chunk of it starts).</summary>
    StoredFile,

    /// <summary>
    /// The compressed stream the decompressor reads: the stored file's own bytes, or for an encrypted file its decrypted
    /// (still compressed) data.
    /// </summary>
    CompressedData,
}

/// <summary>
/// A dump file or archive does not hold what the format says it must. Names the file and, where the damage has a
/// place, the byte offset of the document, record or chunk that is broken, so a user can find it; damage to the file as
/// a whole (missing, a checksum that does not match) has no offset. The message says what the offset counts
/// (<see cref="DumpOffsetKind"/>): for a plain file, its own bytes; for a compressed (.gz, .zst) or encrypted
/// (.encrypted) file, the stored file's bytes or the data it decodes to, each labelled so, never one passed off as the other.
/// </summary>
public sealed class CorruptDumpException : Exception
{
    /// <summary>
    /// Damage at byte <paramref name="offset"/> of <paramref name="file"/>, counted in <paramref name="offsetIn"/>: by
    /// default where the broken document or archive record begins in the decompressed (and decrypted) stream. For damaged
    /// compression, <paramref name="compressedRead"/> is how far the decompressor had read its input when it failed
    /// (<see cref="CompressionDamage.BytesRead"/>), named as the stored file's offset (or the decrypted
    /// data's, for an encrypted file) that the damage is at or before.
    /// </summary>
    public CorruptDumpException(string file, long offset, string problem, Exception? inner = null,
        DumpOffsetKind offsetIn = DumpOffsetKind.Content, long? compressedRead = null)
        : base($"Corrupt dump file '{file}' {Where(file, offset, offsetIn, compressedRead)}: {problem}", inner)
    {
        File = file;
        Offset = offset;
        OffsetIn = offsetIn;
        Problem = problem;
        CompressedOffset = compressedRead;
        Location = Where(file, offset, offsetIn, compressedRead);
    }

    /// <summary>
    /// Compressed data of <paramref name="file"/> that fails to decompress (<paramref name="e"/>, a
    /// <see cref="CompressionDamage"/>) while its <paramref name="item"/> at <paramref name="contentOffset"/> of its
    /// content is read, the content being whole to <paramref name="contentWhole"/>. Data cut short is placed where it
    /// ends, exactly, in the compressed data (the stored file, or an encrypted file's decrypted data): that is where a user
    /// looks, and the decoded offset only says how much survived. Other damage is placed at the item it broke, with the
    /// compressed offset it is at or before.
    /// </summary>
    public static CorruptDumpException FromCompression(string file, long contentOffset, long contentWhole, string item, Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reason = CompressionDamage.Reason(e);
        if (CompressionDamage.IsCutShort(e) && CompressionDamage.BytesRead(e) is { } end)
            return new CorruptDumpException(file, end,
                $"it was cut short there: {reason}; its content is whole to byte {contentWhole}{OffsetSpace(file)}, and the {item} " +
                $"at byte offset {contentOffset} of it cannot be read whole", e, DumpOffsetKind.CompressedData);
        return new CorruptDumpException(file, contentOffset,
            $"the compressed data is damaged: the {item} there cannot be read whole (the data decompressed whole to byte {contentWhole}): {reason}",
            e, compressedRead: CompressionDamage.BytesRead(e));
    }

    /// <summary>Damage to the whole file, which no single offset locates.</summary>
    public CorruptDumpException(string file, string problem, Exception? inner = null)
        : base($"Corrupt dump file '{file}': {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (or archive) as the user named it.</summary>
    public string File { get; }

    /// <summary>Byte offset of the damage (where the broken document, record or chunk starts), counted in <see cref="OffsetIn"/>; null for the whole file.</summary>
    public long? Offset { get; }

    /// <summary>What <see cref="Offset"/> counts; the message says it too.</summary>
    public DumpOffsetKind OffsetIn { get; }

    /// <summary>
    /// For damaged compression, the offset in the compressed data (the stored file's bytes, or an encrypted file's decrypted
    /// data) the damage is at or before: how far the decompressor had read when it failed; null otherwise.
    /// </summary>
    public long? CompressedOffset { get; }

    /// <summary>"at byte offset N", with what N counts in when it is not the stored file's bytes; null for the whole file.</summary>
    public string? Location { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Problem { get; }

    /// <summary>This damage as the engine reports it to users: CorruptFile, with the file as its target.</summary>
    public MongoBackupException ToCorruptFile() => new(ErrorIds.CorruptFile, Message, this, File);

    /// <summary>
    /// What an offset counts in, for the message: nothing to add for a plain file (its bytes are the BSON's), else the
    /// stored file, or the decoded content it is a position in. Told by the stored name, as the readers choose their
    /// decoders (CompressionCodec.FromFileName, EncryptedLayout.Suffix).
    /// </summary>
    private static string Where(string file, long offset, DumpOffsetKind offsetIn, long? compressedRead = null) =>
        $"at byte offset {offset}{Label(file, offsetIn)}" + (compressedRead is { } read
            ? $"; in {(IsEncrypted(file) ? "its decrypted data" : "the stored file")}, at or before byte offset {read} (where the decompressor failed)"
            : "");

    private static string Label(string file, DumpOffsetKind offsetIn)
    {
        var plain = !IsEncrypted(file) && !IsCompressed(file);
        return offsetIn switch
        {
            DumpOffsetKind.StoredFile => plain ? "" : " of the stored file",
            DumpOffsetKind.CompressedData when IsEncrypted(file) => " of its decrypted data (still compressed; not of the stored file)",
            DumpOffsetKind.CompressedData => plain ? "" : " of the stored file",
            _ => OffsetSpace(file),
        };
    }

    private static bool IsEncrypted(string file) => file.EndsWith(EncryptedLayout.Suffix, StringComparison.Ordinal);

    private static bool IsCompressed(string file) =>
        Codecs.CompressionCodec.FromFileName(IsEncrypted(file) ? file[..^EncryptedLayout.Suffix.Length] : file) != Compression.None;

    private static string OffsetSpace(string file) => (IsEncrypted(file), IsCompressed(file)) switch
    {
        (true, true) => " of its decrypted and decompressed data (not of the stored file)",
        (true, false) => " of its decrypted data (not of the stored file)",
        (false, true) => " of its decompressed data (not of the stored file)",
        _ => "",
    };
}
