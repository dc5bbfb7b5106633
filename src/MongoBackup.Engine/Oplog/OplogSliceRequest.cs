using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>One Backup-MongoOplog run: save the oplog since the repository's chain ended.</summary>
public sealed record OplogSliceRequest
{
    public required ConnectionSettings Connection { get; init; }
    public required ISnapshotRepository Repository { get; init; }
    public Compression Compression { get; init; } = Compression.Gzip;
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public Repository.EncryptionKeySource? Encryption { get; init; }
}
