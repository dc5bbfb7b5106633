using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>One Backup-MongoOplog run: save the oplog since the repository's chain ended.</summary>
public sealed record OplogSliceRequest
{
    /// <summary>The replica set to read local.oplog.rs from.</summary>
    public required ConnectionSettings Connection { get; init; }
    /// <summary>The repository whose chain the slice continues.</summary>
    public required ISnapshotRepository Repository { get; init; }
    /// <summary>How the slice's oplog.bson is compressed (zstd by default, see <see cref="BackupCompression"/>).</summary>
    public Compression Compression { get; init; } = BackupCompression.Default;
    /// <summary>How hard gzip or zstd works (see <see cref="Codecs.CompressionLevels"/>): Fastest, Optimal or SmallestSize.</summary>
    public System.IO.Compression.CompressionLevel CompressionLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
    /// <summary>Free labels recorded in the manifest; never a secret.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>Encrypt the slice with this key; null writes it in the clear.</summary>
    public Repository.EncryptionKeySource? Encryption { get; init; }

    /// <summary>
    /// For a sharded cluster (a mongos): shard member addresses as config.shards names them mapped to the names this
    /// machine reaches them by, as for a cluster's full backup.
    /// </summary>
    public IReadOnlyDictionary<string, string> ShardHostMap { get; init; } = new Dictionary<string, string>();

    /// <summary>Test seam: where slice ids come from (a test forces two slices onto the same id).</summary>
    internal SnapshotIdSource Ids { get; init; } = SnapshotIdSource.Random;
}
