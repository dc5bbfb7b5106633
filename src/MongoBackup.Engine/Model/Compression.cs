namespace MongoBackup.Engine.Model;

/// <summary>How a dump file or archive is compressed. Gzip is what mongodump writes; zstd is our own extension.</summary>
public enum Compression
{
    /// <summary>Stored as written: .bson files (mongodump without --gzip).</summary>
    None,

    /// <summary>gzip, one stream per file with the ".gz" suffix, as mongodump --gzip writes; stock mongorestore reads it.</summary>
    Gzip,

    /// <summary>Zstandard frames with the ".zst" suffix: smaller and faster than gzip, read only by this module (export to restore with stock tools).</summary>
    Zstd,
}
