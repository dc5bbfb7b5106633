namespace MongoBackup.Engine.Codecs;

/// <summary>
/// Gzip or zstd data that does not decompress (a damaged or cut member or frame, a checksum that does not match, bytes
/// after the last one), as the <see cref="InvalidDataException"/> every reader already takes for damage (it is sealed,
/// so the position rides in its <see cref="Exception.Data"/>): what is wrong, and how far into the compressed stream the
/// decoder had read when it failed. The damage is at or before that byte, and no closer bound is known: the decoders
/// read ahead (GZipStream 8 KiB at a time, ZstdSharp's DecompressionStream about 128 KiB), neither says where the member
/// or frame it was decoding began, and a checksum is only checked at its member's or frame's end, after what it covers.
/// </summary>
public static class CompressionDamage
{
    private const string ReadKey = "MongoBackup.CompressedBytesRead";
    private const string ReasonKey = "MongoBackup.CompressionDamage";
    private const string CutKey = "MongoBackup.CompressionCutShort";

    /// <param name="reason">What is wrong, without the position.</param>
    /// <param name="compressedBytesRead">Bytes of the compressed stream the decoder had read when it failed.</param>
    public static InvalidDataException Create(string reason, long compressedBytesRead, Exception? inner = null)
    {
        var e = new InvalidDataException(
            $"{reason} (the decompressor failed after reading the first {compressedBytesRead} bytes of the compressed data)", inner);
        e.Data[ReadKey] = compressedBytesRead;
        e.Data[ReasonKey] = reason;
        return e;
    }

    /// <summary>
    /// Data that ends inside a member or frame: cut short at <paramref name="length"/>, the length of the compressed
    /// stream (its end is known exactly, unlike other damage's place). <see cref="BytesRead"/> is that length.
    /// </summary>
    /// <param name="reason">What is wrong, without the position.</param>
    /// <param name="length">Bytes the compressed stream holds: where it ends, cut.</param>
    public static InvalidDataException CutShort(string reason, long length, Exception? inner = null)
    {
        var e = new InvalidDataException($"{reason}: it was cut short at byte {length} of the compressed data (its end)", inner);
        e.Data[ReadKey] = length;
        e.Data[ReasonKey] = reason;
        e.Data[CutKey] = true;
        return e;
    }

    /// <summary>True when <paramref name="e"/> is compressed data cut short (see <see cref="CutShort"/>): it ends at <see cref="BytesRead"/>.</summary>
    public static bool IsCutShort(Exception e) => e.Data[CutKey] is true;

    /// <summary>
    /// How far the decoder had read the compressed stream when <paramref name="e"/> was thrown: for a plain stored file an
    /// offset in it, for an encrypted one in its decrypted data; null when <paramref name="e"/> is not damaged compression.
    /// </summary>
    public static long? BytesRead(Exception e) => e.Data[ReadKey] as long?;

    /// <summary>What is wrong, without the position; the message itself when <paramref name="e"/> is not damaged compression.</summary>
    public static string Reason(Exception e) => e.Data[ReasonKey] as string ?? e.Message;
}
