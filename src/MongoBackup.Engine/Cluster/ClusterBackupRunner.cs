using System.Diagnostics;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A full backup of a sharded cluster, through its mongos, to one consistent cut. The shards come from config.shards
/// (<see cref="ShardTarget"/>); the balancer must be off, or is stopped for the run and started again after
/// (<see cref="BalancerGuard"/>); a running chunk migration refuses it, and one that ran meanwhile fails it
/// (<see cref="MigrationCheck"/>). Every shard is backed up at once as a replica set is (its oplog copy's start, its
/// collections, into a folder of its own named after it); then the cut T is chosen past every copy
/// (<see cref="ClusterCut"/>) and each shard's oplog saved up to and including T; the config server's description of the
/// cluster goes in its own folder, with admin's own collections read through mongos from the config servers
/// (<see cref="ConfigServerAdminCopy"/>) and, when asked, the users and roles. One manifest, committed last, records T and each shard (see <see cref="ClusterSection"/>).
/// </summary>
public sealed class ClusterBackupRunner(IEngineObserver observer)
{
    /// <summary>Where the cluster metadata goes in the snapshot; no shard is named so (a shard id is config.shards _id).</summary>
    public const string MetadataFolder = "configsvr";

    internal async Task<SnapshotManifest> RunAsync(BackupRequest request, MongoConnection mongos, SnapshotCatalog catalog, CancellationToken ct)
    {
        RefuseUnsupported(request);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var client = mongos.Client;
        var topology = await ServerTopology.DiscoverAsync(client, ct, allowMongos: true);
        var targets = await ShardTarget.ListAsync(client, request.Connection, request.ShardHostMap, ct);
        if (targets.Any(t => t.Name == MetadataFolder))
            throw new MongoBackupException(ErrorIds.BackupFailed, $"A shard is named '{MetadataFolder}', the folder of the cluster's metadata.", target: MetadataFolder);
        observer.Verbose($"Cluster {request.Connection.DisplayName}: {targets.Count} shard(s): " +
            $"{string.Join(", ", targets.Select(t => $"{t.Name} (replica set {t.ReplicaSetName} at {string.Join(",", t.Hosts)})"))}.");

        // The databases the filter names must be in the cluster (listDatabases through mongos), though not on every shard.
        CollectionCatalog.RequireNamedDatabases(request.Filter, await DriverErrors.Translate(() => CollectionCatalog.ListDatabasesAsync(client, ct), client));
        // config through a mongos is the cluster's routing, on its config servers (a shard's config is its own): not taken as
        // data, its sharding metadata is saved in every cluster snapshot's metadata folder (ClusterMetadataDumper).
        if (request.Filter.IncludesDatabase("config"))
            observer.Warning($"The config database is not backed up as data from a sharded cluster: it is the cluster's routing and " +
                $"sessions on its config servers. Its sharding metadata (config.databases, collections, chunks, shards, tags, settings, version) " +
                $"is saved in every cluster snapshot's {MetadataFolder}/ folder, and a restore shards its targets by it.");
        await using var balancer = await BalancerGuard.TakeAsync(client, request.StopBalancer, observer, ct);
        // A stopped or failed backup is deleted, so its files need not be finished (AbandonWhen).
        // Encrypted as a replica-set snapshot is: one data key for every shard's files and the metadata, in the same layout.
        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption, AbandonWhen: ct);
        await using var pending = await PendingSnapshot.StartNewAsync(catalog, "full", started, options, observer.Warning, ct);
        var (id, files) = (pending.Id, pending.Files!);
        var shards = new List<ShardCopy>();
        try
        {
            foreach (var target in targets) shards.Add(await ShardCopy.OpenAsync(target, files.InFolder(target.Name), ct));
            foreach (var shard in shards) await MigrationCheck.RefuseRunningAsync(shard.Target, shard.Client, ct);
            var chunks = await MigrationCheck.ChunkMapAsync(client, ct);

            var dumper = new BackupRunner(observer);
            await Task.WhenAll(shards.Select(s => s.DumpAsync(dumper, request, clock, ct)));
            var cut = await ClusterCut.ChooseAsync(client, shards, ct);
            var sections = await Task.WhenAll(shards.Select(s => s.SaveOplogAsync(cut.Timestamp, request.Filter, s.Target.Name, observer, ct)));
            await ClusterMetadataDumper.DumpAsync(client, files.InFolder(MetadataFolder), ct);
            // A cluster keeps its users and roles on its config servers: read through mongos, as mongodump does
            // (mongo-tools mongodump.go DumpUsersAndRolesForDB reads admin.system.users on the mongos session).
            var usersAndRoles = !request.IncludeUsersAndRoles ? [] : await new UsersAndRolesDumper(client, files.InFolder(MetadataFolder))
                .DumpAsync(UsersAndRolesScope.For(request.Filter, sections.SelectMany(s => s.Namespaces).Select(n => n.Database).Distinct()), ct);
            // admin's own collections live on the config servers, not on a shard: read through mongos, after the cut (ConfigServerAdminCopy).
            var adminCollections = await ConfigServerAdminCopy.DumpAsync(dumper, client, request, files.InFolder(MetadataFolder), clock, ct);
            if (adminCollections.Count > 0)
                observer.Verbose($"admin: {adminCollections.Count} collection(s) of its own read through the mongos from the config servers, " +
                    $"after the cut {cut.Timestamp}: as they were when read (the config servers' oplog is not saved).");
            await MigrationCheck.RefuseMovedAsync(client, chunks, ct);

            var manifest = ClusterManifest.New(request, id, topology, started, cut, sections.ToList(), MetadataFolder);
            manifest.Cluster!.UsersAndRoles = usersAndRoles.ToList();
            manifest.Cluster.AdminCollections = adminCollections;
            // The cluster's identity, so that no slice of another cluster continues this snapshot's chain (ClusterChainContinuity).
            manifest.Cluster.ClusterId = await ClusterIdentity.ReadAsync(client, ct);
            manifest.EndTime = DateTimeOffset.UtcNow;
            await pending.CommitAsync(manifest, ct);
            observer.Verbose($"Cluster snapshot {id} complete in {clock.Elapsed.TotalSeconds:0.0} s, consistent at {cut.Timestamp} ({OplogLimit.InUtc(cut.WallTime)}) on every shard.");
            return manifest;
        }
        catch (Exception e)
        {
            var removed = await pending.AbandonAsync();
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                observer.Warning($"Stopped: the backup of cluster {request.Connection.DisplayName} was cancelled; snapshot {id} was not finished" +
                    $"{(removed ? " and its files were removed" : "")}: nothing was kept. Run the backup again.");
            throw e is MongoBackupException or OperationCanceledException ? e
                : DriverErrors.Describe(e, client) ?? new MongoBackupException(ErrorIds.BackupFailed, $"The backup of cluster {request.Connection.DisplayName} failed: {e.Message}", e);
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
    }

    /// <summary>What the cluster backup does not take, refused before anything is written (FullBackup sends -Query through the mongos instead).</summary>
    internal static void RefuseUnsupported(BackupRequest request)
    {
        if (request.Query is not null)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                "-Query is not supported yet for a sharded cluster backup (a mongos): back up without it.", target: "Query");
    }
}
