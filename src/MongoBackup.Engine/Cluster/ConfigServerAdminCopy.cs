using System.Diagnostics;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// admin's own collections of a sharded cluster (admin.appdata and the like; never its users, roles, auth schema or
/// signing keys, which <see cref="NamespaceFilter.Includes"/> and the catalog leave out). A cluster keeps its admin
/// database on its config servers: mongos routes every read and write of admin.&lt;collection&gt; to the config server
/// primary (MongoDB's ShardingCatalogClientImpl::getDatabase: "The admin database is always hosted on the config
/// server", a fixed DatabaseType whose primary is the config server), and a shard's admin is its own replica set's, which
/// <see cref="ShardCopy"/> leaves out. So they are read through the mongos, as mongodump through a mongos dumps them,
/// with the backup's other collections' dumper, into the snapshot's metadata folder as a mongodump layout of admin.
/// <para>
/// When: once every shard has passed the cluster's cut, with the mongos's default read concern (the config server
/// primary's local data, as mongodump reads it). The config servers' oplog is not saved, so these collections are as
/// they were when read, after the cut: not point-in-time consistent with the shards' data, and no oplog slice or
/// point-in-time restore carries their later changes (a restore gives them as this backup read them). A read at the cut
/// itself (readConcern snapshot with atClusterTime) is not made: the in-memory test server cannot serve one, and what
/// the module cannot test it does not claim.
/// </para>
/// </summary>
internal static class ConfigServerAdminCopy
{
    /// <summary>
    /// Lists admin's collections <paramref name="request"/>'s filter takes (every database, or -Database admin, or a
    /// -Collection 'admin.x') through <paramref name="mongos"/> and dumps them into <paramref name="files"/>; their
    /// manifest entries, by name (none when the filter does not take admin or it has no collection of its own).
    /// </summary>
    public static async Task<List<ManifestNamespace>> DumpAsync(BackupRunner dumper, IMongoClient mongos, BackupRequest request,
        SnapshotFileSet files, Stopwatch clock, CancellationToken ct)
    {
        var collections = await DriverErrors.Translate(() => CollectionCatalog.ListDatabaseAsync(mongos, "admin", request.Filter, ct), mongos);
        if (collections.Count == 0) return [];
        var namespaces = await dumper.DumpCollectionsAsync(mongos, files, collections, request.ParallelCollections, request.SplitThresholdDocuments,
            query: null, clock, ct, activity: "Backing up admin from the config servers");
        return namespaces.OrderBy(n => n.Collection, StringComparer.Ordinal).ToList();
    }
}
