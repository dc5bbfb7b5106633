using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>One shard as a cluster backup would take it, and the collections it would copy from it.</summary>
/// <param name="Name">The shard's id (config.shards _id).</param>
/// <param name="ReplicaSetName">Its replica set, which the members reached answered as.</param>
/// <param name="Reached">How it is reached: its members, or the -ShardHostMap entry that chose one.</param>
/// <param name="Collections">Its user collections the backup's filter chooses (config and local left out).</param>
public sealed record PlannedShard(string Name, string ReplicaSetName, string Reached, IReadOnlyList<SourceCollection> Collections);

/// <summary>
/// What a cluster backup would do, found without writing anything or touching the balancer (for -WhatIf): the shards
/// config.shards lists, each asked who it is as the run asks, the collections each holds, and the balancer's state with
/// what the run would do about it (leave it off, stop it for the backup, or refuse).
/// </summary>
/// <param name="BalancerMode">balancerStatus mode: "off", "full".</param>
/// <param name="StopsBalancer">True when the balancer runs and -StopBalancer would stop it for the backup.</param>
/// <param name="BalancerRefusal">BalancerRunning when it runs and -StopBalancer was not given; null otherwise.</param>
/// <param name="Shards">Every shard, in config.shards order.</param>
/// <param name="AdminCollections">admin's own collections the filter takes, listed through the mongos from the config servers (<see cref="ConfigServerAdminCopy"/>).</param>
public sealed record ClusterBackupPlan(string BalancerMode, bool StopsBalancer, MongoBackupException? BalancerRefusal, IReadOnlyList<PlannedShard> Shards,
    IReadOnlyList<SourceCollection> AdminCollections)
{
    /// <summary>The plan of a backup of the cluster behind <paramref name="mongos"/>.</summary>
    /// <exception cref="MongoBackupException">As the run refuses before writing: an option a cluster backup does not take, a -ShardHostMap entry that is wrong, a shard that cannot be reached.</exception>
    internal static async Task<ClusterBackupPlan> BuildAsync(IMongoClient mongos, BackupRequest request, CancellationToken ct)
    {
        ClusterBackupRunner.RefuseUnsupported(request);
        // As the run checks them: a named database must be in the cluster, not on every shard.
        CollectionCatalog.RequireNamedDatabases(request.Filter, await DriverErrors.Translate(() => CollectionCatalog.ListDatabasesAsync(mongos, ct), mongos));
        var targets = await ShardTarget.ListAsync(mongos, request.Connection, request.ShardHostMap, ct);
        var status = await DriverErrors.Translate(() => mongos.GetDatabase("admin")
            .RunCommandAsync<BsonDocument>(new BsonDocument("balancerStatus", 1), cancellationToken: ct), mongos);
        var mode = status.GetValue("mode", "full").AsString;
        var running = mode != "off";
        var shards = new List<PlannedShard>();
        foreach (var target in targets)
        {
            using var shard = MongoConnection.Open(target.Connection);
            var listed = await DriverErrors.Translate(() => CollectionCatalog.ListAsync(shard.Client, request.Filter, ct, namedMustExist: false), shard.Client);
            shards.Add(new PlannedShard(target.Name, target.ReplicaSetName, target.Reached, listed.Where(c => !ShardCopy.IsInternal(c.Database)).ToList()));
        }
        var admin = await DriverErrors.Translate(() => CollectionCatalog.ListDatabaseAsync(mongos, "admin", request.Filter, ct), mongos);
        return new ClusterBackupPlan(mode, running && request.StopBalancer,
            running && !request.StopBalancer ? BalancerGuard.RunningRefusal(mode) : null, shards, admin);
    }
}
