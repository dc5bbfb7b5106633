using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Export;

/// <summary>The two forms stock mongorestore reads: a dump folder (--dir) or one --archive file.</summary>
public enum ExportFormat
{
    /// <summary>A dump folder: DB/COLL.bson and DB/COLL.metadata.json (.gz with gzip), oplog.bson at the top.</summary>
    Directory,

    /// <summary>One file in mongodump's --archive format (mongo-tools common/archive), gzip-compressed whole with gzip.</summary>
    Archive,
}

/// <summary>What Export-MongoSnapshot writes, and from where.</summary>
public sealed record ExportRequest
{
    /// <summary>The repository holding the snapshot.</summary>
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>The exact id of the snapshot to export (full or slice).</summary>
    public required string SnapshotId { get; init; }
    /// <summary>The folder or archive file to create; it must not exist yet (an empty folder is taken).</summary>
    public required string Destination { get; init; }
    /// <summary>A dump folder (the default) or one archive file.</summary>
    public ExportFormat Format { get; init; } = ExportFormat.Directory;
    /// <summary>gzip as mongodump --gzip writes it: each file .gz (the oplog keeps its name), or the whole archive.</summary>
    public bool Gzip { get; init; }
    /// <summary>The key of an encrypted snapshot; null for plain ones.</summary>
    public EncryptionKeySource? Encryption { get; init; }
}

/// <summary>What an export wrote.</summary>
/// <param name="Bytes">Bytes written to the destination (compressed when gzip).</param>
public sealed record ExportResult(string SnapshotId, string Destination, ExportFormat Format, bool Gzip,
    int Namespaces, long Documents, long OplogEntries, long Bytes, TimeSpan Duration);
