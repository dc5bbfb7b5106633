using MongoBackup.Engine.Codecs;
namespace MongoBackup.Engine.Formats;

/// <summary>
/// A dump file or archive does not hold what the format says it must. Names the file and, where the damage has a
/// place, the byte offset of the document or record that is broken, so a user can find it; damage to the file as a
/// whole (missing, a checksum that does not match) has no offset. The message says what the offset counts: for a plain
/// file, its own bytes; for a compressed (.gz, .zst) or encrypted (.encrypted) file, the BSON it decompresses (and
/// decrypts) to, which is longer than the stored file and is labelled so, never passed off as the stored file's.
/// </summary>
public sealed class CorruptDumpException : Exception
{
    /// <summary>
    /// Damage at byte <paramref name="offset"/> of <paramref name="file"/>: where the broken document or archive record
    /// begins, counted from the start of the decompressed (and decrypted) stream, unless <paramref name="inStoredFile"/>
    /// says it counts the stored file's own bytes (its size, how much of it was read). For damaged compression,
    /// <paramref name="compressedRead"/> is how far the decompressor had read its input when it failed
    /// (<see cref="CompressionDamage.BytesRead"/>), named as the stored file's offset (or the decrypted
    /// data's, for an encrypted file) that the damage is at or before.
    /// </summary>
    public CorruptDumpException(string file, long offset, string problem, Exception? inner = null, bool inStoredFile = false, long? compressedRead = null)
        : base($"Corrupt dump file '{file}' {Where(file, offset, inStoredFile, compressedRead)}: {problem}", inner)
    {
        File = file;
        Offset = offset;
        Problem = problem;
        CompressedOffset = compressedRead;
        Location = Where(file, offset, inStoredFile, compressedRead);
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

    /// <summary>Byte offset where the broken document or record starts (see the message for what it counts in); null for the whole file.</summary>
    public long? Offset { get; }

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
    /// decoded content it is a position in. Told by the stored name, as the readers choose their decoders
    /// (CompressionCodec.FromFileName, EncryptedLayout.Suffix).
    /// </summary>
    private static string Where(string file, long offset, bool inStoredFile, long? compressedRead = null) =>
        $"at byte offset {offset}{OffsetSpace(file, inStoredFile)}" + (compressedRead is { } read
            ? $"; in {(file.EndsWith(EncryptedLayout.Suffix, StringComparison.Ordinal) ? "its decrypted data" : "the stored file")}, at or before byte offset {read} (where the decompressor failed)"
            : "");

    private static string OffsetSpace(string file, bool inStoredFile)
    {
        if (inStoredFile) return "";
        var encrypted = file.EndsWith(EncryptedLayout.Suffix, StringComparison.Ordinal);
        var compressed = Codecs.CompressionCodec.FromFileName(encrypted ? file[..^EncryptedLayout.Suffix.Length] : file) != Compression.None;
        return (encrypted, compressed) switch
        {
            (true, true) => " of its decrypted and decompressed data (not of the stored file)",
            (true, false) => " of its decrypted data (not of the stored file)",
            (false, true) => " of its decompressed data (not of the stored file)",
            _ => "",
        };
    }
}
