namespace MongoBackup.Engine.Formats;

/// <summary>A mongodump directory (or snapshot folder), or a mongodump --archive file, opened for restore.</summary>
public interface IDumpReader : IAsyncDisposable
{
    /// <summary>The path users see in messages.</summary>
    string Location { get; }

    /// <summary>The id of the repository snapshot read (a cluster snapshot's own id); null for a mongodump directory or archive.</summary>
    string? SnapshotId => null;

    /// <summary>Every collection and view in the dump, not the oplog.</summary>
    IReadOnlyList<DumpNamespace> Namespaces { get; }

    /// <summary>True when the dump holds an oplog.bson (mongodump --oplog, or a snapshot's own oplog).</summary>
    bool HasOplog { get; }

    /// <summary>
    /// Reads the documents of <paramref name="chosen"/>: calls <paramref name="consume"/> once per namespace,
    /// concurrently, with a stream of blocks of its raw documents that the consumer must drain, disposing each block
    /// once done with it. A directory reads up to <paramref name="maxParallel"/> namespaces at once; an archive is
    /// demultiplexed in one sequential pass that feeds every consumer through bounded channels (all consumers run at
    /// once, so nothing deadlocks). Corruption surfaces as <see cref="CorruptDumpException"/> from the stream of the
    /// namespace concerned, after the blocks of the whole documents before it, and the reader stops.
    /// </summary>
    Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen,
                         Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, int maxParallel, CancellationToken ct);

    /// <summary>The oplog.bson entries in order; empty when the dump has none.</summary>
    IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct);

    /// <summary>
    /// Checks the oplog whole before a replay applies any of its entries, as far as its format can tell: what damage
    /// <see cref="ReadOplogAsync"/> would find only at its end (a checksum) must refuse the replay, not stop it half-way.
    /// This default reads it to its end, keeping nothing: every entry whole and well formed BSON, and a gzip or zstd file
    /// checked by its own checksum (a mongodump folder's oplog.bson; a plain one has no checksum, so its structure is all
    /// that can be checked). An archive checks its oplog's CRC-64, a snapshot its file's SHA-256 (checked before the restore).
    /// </summary>
    /// <exception cref="CorruptDumpException">The oplog is damaged (naming the file and, where it has a place, the offset).</exception>
    async Task VerifyOplogAsync(CancellationToken ct)
    {
        await foreach (var _ in ReadOplogAsync(ct).ConfigureAwait(false)) { }
    }

    /// <summary>
    /// Whether <see cref="VerifyOplogAsync"/> is a read of <see cref="ReadOplogAsync"/> to its end (this default's, a
    /// snapshot's whose file was not checked before), so that a caller needing the entries before the replay (what it
    /// creates, <see cref="Restore.OplogCreationFinder"/>) may read them as the check, instead of the oplog being read
    /// twice; false when the check is a pass of its own that keeps no entry (an archive's CRC-64, a cluster's shards one
    /// by one) or was made before (a snapshot's SHA-256).
    /// </summary>
    bool OplogCheckReadsEntries => true;
}
