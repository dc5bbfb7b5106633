using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>Where a backup puts each file, relative to the snapshot root, with '/' separators: mongodump's layout.</summary>
public static class DumpLayout
{
    public const string OplogStem = "oplog";
    public const string DataExtension = ".bson";
    public const string MetadataExtension = ".metadata.json";

    public static string DataFile(string db, string coll, Compression c) =>
        $"{DumpNames.EscapeDatabase(db)}/{DumpNames.EscapeCollection(coll)}{DataExtension}{CompressionCodec.FileSuffix(c)}";

    public static string MetadataFile(string db, string coll, Compression c) =>
        $"{DumpNames.EscapeDatabase(db)}/{DumpNames.EscapeCollection(coll)}{MetadataExtension}{CompressionCodec.FileSuffix(c)}";

    /// <summary>
    /// mongodump --gzip writes its oplog as "oplog.bson" with gzip content, and mongorestore --oplogReplay looks for
    /// exactly that name, so a gzip oplog keeps the plain name; zstd (our own extension) keeps its suffix.
    /// </summary>
    public static string OplogFile(Compression c) =>
        $"{OplogStem}{DataExtension}{(c == Compression.Gzip ? "" : CompressionCodec.FileSuffix(c))}";
}
