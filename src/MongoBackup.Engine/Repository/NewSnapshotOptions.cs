using System.IO.Compression;

namespace MongoBackup.Engine.Repository;

/// <summary>How a new snapshot's files are written.</summary>
/// <param name="Compression">The codec of every data file.</param>
/// <param name="CompressionLevel">How hard gzip or zstd works.</param>
/// <param name="Encryption">The key source; null writes an unencrypted snapshot.</param>
/// <param name="AbandonWhen">Once cancelled, files being closed are dropped instead of finished (see <see cref="SnapshotFileSet"/>).</param>
public sealed record NewSnapshotOptions(Compression Compression, CompressionLevel CompressionLevel, EncryptionKeySource? Encryption,
    CancellationToken AbandonWhen = default)
{
    /// <summary>Where ids come from: <see cref="SnapshotIdSource.Random"/> unless a test forces a collision.</summary>
    public SnapshotIdSource Ids { get; init; } = SnapshotIdSource.Random;

    /// <summary>
    /// For an oplog slice: its source's chain, whose encrypted bases refuse a slice without a key
    /// (<see cref="UnencryptedChainCheck"/>) or under a key that does not open them (<see cref="ChainKeyCheck"/>). Null for a full backup.
    /// </summary>
    public SourceChain? ChainOf { get; init; }

    /// <summary>
    /// The key the run already judged for this snapshot (<see cref="SnapshotKeys.AdmitAsync"/>, with <see cref="Encryption"/>
    /// and <see cref="ChainOf"/>), e.g. by a one-shot slice before it decided there was something new; null: judged when the
    /// snapshot starts.
    /// </summary>
    public AdmittedKey? Admitted { get; init; }
}

/// <summary>Draws snapshot ids (see <see cref="SnapshotIds.NewId"/>); tests replace it to make two writers choose the same id.</summary>
public class SnapshotIdSource
{
    /// <summary>Ids with a random 16-bit suffix.</summary>
    public static SnapshotIdSource Random { get; } = new();

    /// <summary>A new id for a snapshot of <paramref name="kind"/> ("full", "oplog") started at <paramref name="started"/>.</summary>
    public virtual string Next(DateTimeOffset started, string kind) => SnapshotIds.NewId(started, kind);
}
