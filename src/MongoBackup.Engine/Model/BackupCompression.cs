namespace MongoBackup.Engine.Model;

/// <summary>The compression every backup (full snapshot, oplog slice, policy run) uses when none is chosen.</summary>
public static class BackupCompression
{
    /// <summary>
    /// Zstd: on the benchmark's 1 KB documents it stores 0.99 of mongodump --gzip's bytes in under a third of its time
    /// on two cores, where no gzip level reaches both (the README's Performance section has the measurements). Gzip
    /// stays one switch away for snapshot folders stock mongorestore --gzip must read directly.
    /// </summary>
    public const Compression Default = Compression.Zstd;
}
