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
    /// <summary>
    /// What a backup of what <paramref name="request"/>'s connection reaches would take, writing nothing and leaving the
    /// balancer alone (for -WhatIf): a cluster's plan for a mongos (null otherwise), and the namespaces of a replica set or
    /// standalone server (empty for a cluster: they are in its shards).
    /// </summary>
    public static async Task<(ClusterBackupPlan? Cluster, IReadOnlyList<Catalog.SourceCollection> Collections)> PlanAsync(BackupRequest request, CancellationToken ct)
    {
        using (var source = MongoConnection.Open(request.Connection))
        {
            // As the run chooses: a -Query backup reads through the mongos, planned as a replica set's is.
            if ((await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded && request.Query is null)
                return (await ClusterBackupPlan.BuildAsync(source.Client, request, ct), []);
        }
        return (null, await BackupRunner.PlanAsync(request, ct));
    }

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
