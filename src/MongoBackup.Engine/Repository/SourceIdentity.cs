namespace MongoBackup.Engine.Repository;

/// <summary>
/// One source a command works on, to pick its snapshots out of a repository shared by several: a sharded cluster or not,
/// a replica set's name (null for a cluster or a standalone) and its recorded id (a replica set's replicaSetId, a
/// cluster's clusterId; null when the server would not tell it). A snapshot is of this source as
/// <see cref="SnapshotSources.Same"/> judges two snapshots: same kind and name, and the same id where both recorded one
/// (a snapshot without an id, or a source whose id is unknown, is taken with every id of its name).
/// </summary>
public sealed record SourceIdentity(bool IsCluster, string? ReplicaSetName, string? Id)
{
    /// <summary>Whether <paramref name="snapshot"/> can be of this source.</summary>
    public bool Includes(SnapshotManifest snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return (snapshot.Cluster is not null) == IsCluster && SameName(snapshot.Source.ReplicaSetName)
            && Compatible(SnapshotSources.IdOf(snapshot));
    }

    /// <summary>
    /// Whether <paramref name="group"/> (one of <see cref="SnapshotSources.Group"/>'s) is this source. A group that
    /// recorded no id is this source only when this source's id is unknown too: the grouping already joined every id-less
    /// snapshot whose chain links tie it to a recorded id, so one left without an id may be another set's of the same name
    /// (written before ids were recorded), and a policy's rules must not remove it.
    /// </summary>
    public bool Includes(SourceGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.Snapshots.Count > 0 && (group.Snapshots[0].Cluster is not null) == IsCluster && SameName(group.ReplicaSetName)
            && (group.Id is null ? Id is null : Compatible(group.Id));
    }

    /// <summary>The source in words, as <see cref="SnapshotSources.Describe"/> words a snapshot's.</summary>
    public override string ToString() => SnapshotSources.Describe(IsCluster, ReplicaSetName, Id);

    private bool SameName(string? name) => string.Equals(name, ReplicaSetName, StringComparison.Ordinal);

    private bool Compatible(string? id) => SnapshotSources.Compatible(id, Id);
}
