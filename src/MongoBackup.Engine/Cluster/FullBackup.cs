using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Backup-MongoDatabase's run: a full backup of whatever the connection reaches, a sharded cluster through its mongos
/// (<see cref="ClusterBackupRunner"/>) or a replica set or standalone server (<see cref="BackupRunner"/>), on one connection.
/// A -Query backup of a cluster reads its one collection through the mongos, as mongodump --query does there: the mongos
/// returns each document once, from the shard owning it (orphans left out), and such a backup has no cut to make (it is
/// never point-in-time consistent, copy-only, without an oplog).
/// </summary>
public sealed class FullBackup(IEngineObserver observer)
{
    /// <summary>Backs up what <paramref name="request"/>'s connection reaches; the committed manifest.</summary>
    /// <exception cref="MongoBackupException">As the replica-set or cluster backup raises them (BalancerRunning, ChunkMigrationRunning for a cluster).</exception>
    public async Task<SnapshotManifest> RunAsync(BackupRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        var catalog = new SnapshotCatalog(request.Repository);
        if ((await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded && request.Query is null)
            return await new ClusterBackupRunner(observer).RunAsync(request, source, catalog, ct);
        return await new BackupRunner(observer).RunAsync(request, source, catalog, ct);
    }
}
