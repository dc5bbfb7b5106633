namespace MongoBackup.Engine.Model;

/// <summary>How a dump file or archive is compressed. Gzip is what mongodump writes; zstd is our own extension.</summary>
public enum Compression
{
    None,
    Gzip,
    Zstd,
}
