using System.IO.Compression;
using System.Buffers.Binary;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Reads a dump folder as mongodump writes it (&lt;db&gt;/&lt;collection&gt;.bson, or .bson.gz with --gzip), to check that
/// a stock dump holds every document before its figures are reported, and to size what a run stored.
/// </summary>
public static class DumpFolder
{
    /// <summary>The size of every file under <paramref name="folder"/>.</summary>
    public static long Size(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>How many BSON documents the collection files of <paramref name="databaseFolder"/> hold.</summary>
    public static async Task<long> CountDocumentsAsync(string databaseFolder, CancellationToken ct)
    {
        long documents = 0;
        foreach (var file in Directory.EnumerateFiles(databaseFolder))
        {
            var gzip = file.EndsWith(".bson.gz", StringComparison.Ordinal);
            if (!gzip && !file.EndsWith(".bson", StringComparison.Ordinal)) continue;
            await using var stored = File.OpenRead(file);
            await using Stream content = gzip ? new GZipStream(stored, CompressionMode.Decompress) : stored;
            documents += await CountAsync(content, file, ct);
        }
        return documents;
    }

    // Each document starts with its int32 length, prefix included; everything after it is skipped unread.
    private static async Task<long> CountAsync(Stream content, string file, CancellationToken ct)
    {
        var prefix = new byte[4];
        var skip = new byte[1 << 16];
        long documents = 0, offset = 0;
        while (await content.ReadAtLeastAsync(prefix, 4, throwOnEndOfStream: false, ct) is var read && read > 0)
        {
            var length = read == 4 ? BinaryPrimitives.ReadInt32LittleEndian(prefix) : 0;
            if (length < 5) throw new InvalidDataException($"{file}: no BSON document at byte {offset} of its content.");
            for (var left = length - 4; left > 0;)
            {
                var n = await content.ReadAsync(skip.AsMemory(0, Math.Min(left, skip.Length)), ct);
                if (n == 0) throw new InvalidDataException($"{file}: the document at byte {offset} of its content is cut short.");
                left -= n;
            }
            offset += length;
            documents++;
        }
        return documents;
    }
}
