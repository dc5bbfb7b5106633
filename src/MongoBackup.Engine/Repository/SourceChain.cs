namespace MongoBackup.Engine.Repository;

/// <summary>
/// The chain a new oplog slice continues: which of a repository's complete snapshots are of its source's chain (a replica
/// set's own source, <see cref="SnapshotSources.Group"/>: id-less snapshots only where the chain links join them to it or
/// it has none of its own; a cluster's), and that source in words for the messages that refuse its key
/// (<see cref="ChainKeyCheck"/>, <see cref="UnencryptedChainCheck"/>). Made by <c>Oplog.SliceChainEnd.ChainOf</c>, the same
/// choice that decides where the slice starts, so a slice's key is judged against the chain it continues and never against
/// another same-name set's snapshots.
/// </summary>
/// <param name="Source">The source in words, e.g. "replica set 'rs0' (replicaSetId …)".</param>
/// <param name="Select">The snapshots of the chain among the repository's complete snapshots.</param>
public sealed record SourceChain(string Source, Func<IReadOnlyList<SnapshotManifest>, IReadOnlyList<SnapshotManifest>> Select)
{
    /// <summary>The snapshots of the chain among <paramref name="complete"/>.</summary>
    public IReadOnlyList<SnapshotManifest> In(IReadOnlyList<SnapshotManifest> complete)
    {
        ArgumentNullException.ThrowIfNull(complete);
        return Select(complete);
    }
}
