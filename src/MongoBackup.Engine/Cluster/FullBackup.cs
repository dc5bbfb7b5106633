using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Backup-MongoDatabase's run: a full backup of whatever the connection reaches, a sharded cluster through its mongos
/// (<see cref="ClusterBackupRunner"/>) or a replica set or standalone server (<see cref="BackupRunner"/>), on one connection.
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
            if ((await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded)
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
        if ((await ServerTopology.DiscoverAsync(source.Client, ct, allowMongos: true)).Kind == TopologyKind.Sharded)
            return await new ClusterBackupRunner(observer).RunAsync(request, source, catalog, ct);
        return await new BackupRunner(observer).RunAsync(request, source, catalog, ct);
    }
}
