using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>One Backup-MongoOplog run: save the oplog since the repository's chain ended.</summary>
public sealed record OplogSliceRequest
{
    public required ConnectionSettings Connection { get; init; }
    public required ISnapshotRepository Repository { get; init; }
    public Compression Compression { get; init; } = Compression.Gzip;
    /// <summary>How hard gzip or zstd works (see <see cref="CompressionLevels"/>): Fastest, Optimal or SmallestSize.</summary>
    public System.IO.Compression.CompressionLevel CompressionLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public Repository.EncryptionKeySource? Encryption { get; init; }

    /// <summary>Test seam: where slice ids come from (a test forces two slices onto the same id).</summary>
    internal SnapshotIdSource Ids { get; init; } = SnapshotIdSource.Random;
}
