using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>Where a backup puts each file, relative to the snapshot root, with '/' separators: mongodump's layout.</summary>
public static class DumpLayout
{
    /// <summary>The oplog's file stem at the top of a dump: oplog.bson, as mongodump --oplog writes it.</summary>
    public const string OplogStem = "oplog";
    /// <summary>A data file's extension before any compression suffix: DB/COLL.bson.</summary>
    public const string DataExtension = ".bson";
    /// <summary>A metadata file's extension before any compression suffix: DB/COLL.metadata.json.</summary>
    public const string MetadataExtension = ".metadata.json";

    /// <summary>
    /// The exact metadata, as BSON, of a namespace whose metadata.json cannot hold it exactly (see
    /// <see cref="MetadataJsonFidelity"/>). Named so that stock mongorestore passes over it: it ends in neither
    /// ".bson", ".bson.gz", ".bin" nor ".metadata.json", and it is no longer than ".metadata.json".
    /// </summary>
    public const string ExactMetadataExtension = ".metadata.bsn";

    /// <summary>
    /// The data file of <paramref name="db"/>.<paramref name="coll"/>: "DB/COLL.bson" plus ".gz" or ".zst", the collection
    /// name escaped and shortened as mongodump does (mongo-tools mongodump/prepare.go).
    /// </summary>
    /// <exception cref="ArgumentException">The database name holds a character MongoDB forbids.</exception>
    public static string DataFile(string db, string coll, Compression c) =>
        $"{DumpNames.EscapeDatabase(db)}/{DumpNames.EscapeCollection(coll, c)}{DataExtension}{CompressionCodec.FileSuffix(c)}";

    /// <summary>
    /// The metadata file of <paramref name="db"/>.<paramref name="coll"/>: "DB/COLL.metadata.json" plus ".gz" or ".zst".
    /// </summary>
    public static string MetadataFile(string db, string coll, Compression c) =>
        $"{DumpNames.EscapeDatabase(db)}/{DumpNames.EscapeCollection(coll, c)}{MetadataExtension}{CompressionCodec.FileSuffix(c)}";

    /// <summary>
    /// The exact-metadata file of <paramref name="db"/>.<paramref name="coll"/>: "DB/COLL.metadata.bsn" plus ".gz" or ".zst".
    /// </summary>
    public static string ExactMetadataFile(string db, string coll, Compression c) =>
        $"{DumpNames.EscapeDatabase(db)}/{DumpNames.EscapeCollection(coll, c)}{ExactMetadataExtension}{CompressionCodec.FileSuffix(c)}";

    /// <summary>
    /// The exact metadata file that would sit beside the metadata file <paramref name="metadataPath"/>; null when the
    /// path is not a metadata file's (a damaged manifest can list one under any name).
    /// </summary>
    public static string? ExactMetadataFileBeside(string metadataPath)
    {
        var at = metadataPath.LastIndexOf(MetadataExtension, StringComparison.Ordinal);
        return at < 0 ? null : metadataPath[..at] + ExactMetadataExtension + metadataPath[(at + MetadataExtension.Length)..];
    }

    /// <summary>
    /// mongodump --gzip writes its oplog as "oplog.bson" with gzip content, and mongorestore --oplogReplay looks for
    /// exactly that name, so a gzip oplog keeps the plain name; zstd (our own extension) keeps its suffix.
    /// </summary>
    public static string OplogFile(Compression c) =>
        $"{OplogStem}{DataExtension}{(c == Compression.Gzip ? "" : CompressionCodec.FileSuffix(c))}";
}
