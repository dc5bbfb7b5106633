using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Export;

/// <summary>The two forms stock mongorestore reads: a dump folder (--dir) or one --archive file.</summary>
public enum ExportFormat { Directory, Archive }

/// <summary>What Export-MongoSnapshot writes, and from where.</summary>
public sealed record ExportRequest
{
    public required ISnapshotRepository Repository { get; init; }
    public required string SnapshotId { get; init; }
    /// <summary>The folder or archive file to create; it must not exist yet (an empty folder is taken).</summary>
    public required string Destination { get; init; }
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
