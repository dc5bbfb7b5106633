using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Reads the text of a metadata file (decompressed already) with a size limit. mongorestore reads these files whole
/// (io.ReadAll in mongorestore/restore.go) and so does this, but never more than <see cref="MaxBytes"/>: a file that
/// inflates without end (a 400 KB .metadata.json.gz can hold 400 MiB) is refused, not read into memory.
/// </summary>
public static class MetadataText
{
    /// <summary>
    /// 16 MiB, the size of the largest BSON document: in an archive mongodump stores each collection's metadata JSON
    /// inside one such document, so no metadata that mongodump can write to an archive is larger. Real metadata (a
    /// collection's options and index definitions) is a few KB; even a large validator stays far below.
    /// </summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <exception cref="CorruptDumpException">The text is larger than the limit, is not UTF-8, or does not decompress.</exception>
    public static string Read(Stream content, string fileName) =>
        // The reads are synchronous, so the ValueTask has completed when it returns: nothing blocks on a thread.
        ReadAsync(memory => new ValueTask<int>(content.Read(memory.Span)), fileName, Decode).GetAwaiter().GetResult();

    /// <inheritdoc cref="Read"/>
    public static Task<string> ReadAsync(Stream content, string fileName, CancellationToken ct) =>
        ReadAsync(memory => content.ReadAsync(memory, ct), fileName, Decode).AsTask();

    /// <summary>
    /// The bytes of the exact BSON metadata kept beside a metadata file (<see cref="DumpLayout.ExactMetadataExtension"/>):
    /// one BSON document, so under the same limit.
    /// </summary>
    /// <exception cref="CorruptDumpException">The content is larger than the limit, or does not decompress.</exception>
    public static Task<byte[]> ReadExactAsync(Stream content, string fileName, CancellationToken ct) =>
        ReadAsync(memory => content.ReadAsync(memory, ct), fileName, static (bytes, _) => bytes.ToArray()).AsTask();

    private delegate T Finish<out T>(ReadOnlySpan<byte> content, string fileName);

    private static async ValueTask<T> ReadAsync<T>(Func<Memory<byte>, ValueTask<int>> read, string fileName, Finish<T> finish)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                buffer = RoomFor(buffer, length, fileName);
                int n;
                try { n = await read(buffer.AsMemory(length, Room(buffer, length))).ConfigureAwait(false); }
                catch (InvalidDataException e) { throw CorruptDumpException.FromCompression(fileName, 0, length, "metadata", e); }
                if (n == 0) return finish(buffer.AsSpan(0, length), fileName);
                length += n;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    // Reads stop one byte past the limit: enough to know the file is over it.
    private static int Room(byte[] buffer, int length) => Math.Min(buffer.Length, MaxBytes + 1) - length;

    private static byte[] RoomFor(byte[] buffer, int length, string fileName)
    {
        if (Room(buffer, length) > 0) return buffer;
        if (length > MaxBytes)
            throw new CorruptDumpException(fileName, MaxBytes,
                $"the metadata is larger than {MaxBytes / (1024 * 1024)} MiB, the most a metadata file may hold " +
                "(mongodump writes a collection's options and indexes, a few KB; an archive cannot hold more than 16 MiB of it)");
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBytes + 1));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string fileName)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
            throw new CorruptDumpException(fileName, read, "the metadata is not UTF-8 text");
        return new string(chars, 0, written);
    }
}
