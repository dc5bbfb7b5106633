using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Export;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster's admin collections of its own (admin.appdata written through mongos, which keeps admin on the config
/// servers): taken by a cluster backup of every database or of -Database admin, never its auth or key collections as
/// ordinary ones, listed, tested and exported with the snapshot, and restored through a mongos or into a replica set
/// (whole, by name, renamed); a point-in-time restore says they are as the base snapshot read them.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterAdminTests(MongoServerFixture server)
{
    private const int AppDocuments = 40;

    [Fact]
    public async Task A_whole_cluster_backup_takes_admins_own_collection_from_the_config_servers_and_a_whole_restore_through_a_mongos_writes_it_back()
    {
        using var source = new TwoShardCluster();
        var appdata = await WriteAppDataAsync(source);
        // A user on the config servers, where a cluster keeps them: admin.system.users is not an ordinary collection.
        using (var config = new MongoClient(source.Cluster.ConfigServer.ConnectionString))
            await config.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "createUser", "ops" }, { "pwd", "an operator's password" }, { "roles", new BsonArray() } });

        var backupObserver = new RecordingObserver();
        var manifest = await new FullBackup(backupObserver).RunAsync(source.Backup() with { Filter = new NamespaceFilter(), IncludeUsersAndRoles = true }, CancellationToken.None);

        var admin = Assert.Single(manifest.Cluster!.AdminCollections);
        Assert.Equal(("admin", "appdata", (long)AppDocuments), (admin.Database, admin.Collection, admin.Documents));
        // The users are saved as users and roles, beside admin's own collections, never as one of them.
        Assert.Equal(["system.roles", "system.users", "system.version"], manifest.Cluster.UsersAndRoles.Select(n => n.Collection).Order());
        Assert.DoesNotContain(manifest.Cluster.Shards.SelectMany(s => s.Namespaces), n => n.Database == "admin");
        Assert.Contains(ShardSnapshotViews.NamespacesOf(manifest), n => n.FullName == "admin.appdata" && n.Documents == AppDocuments);
        Assert.Contains(backupObserver.Verboses, v => v.Contains("admin: 1 collection(s) of its own") && v.Contains("after the cut"));

        // Test-MongoSnapshot counts its documents against the manifest, as a shard's.
        var verified = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(source.Repository, manifest.Id, null, null, CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Problems));
        Assert.Contains(verified.Files, f => f.Path.StartsWith("configsvr/admin/appdata.bson", StringComparison.Ordinal) && f.Documents == AppDocuments && !f.ClusterMetadata);

        using var target = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(target.ConnectionString);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = target.ConnectionString },
            Snapshot = new RepositorySnapshot(source.Repository, manifest.Id),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Contains(outcome.Namespaces, n => n.TargetNamespace == "admin.appdata" && n.Succeeded);
        Assert.DoesNotContain(outcome.Namespaces, n => n.SourceNamespace.StartsWith("admin.system.", StringComparison.Ordinal));

        var restored = mongos.GetDatabase("admin").GetCollection<BsonDocument>("appdata");
        Assert.Equal(appdata, await restored.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync());
        Assert.Equal(await IndexesAsync(source.Mongos, "admin", "appdata"), await IndexesAsync(mongos, "admin", "appdata"));
        // It went where mongos keeps admin: the target's config servers, on no shard, and no config.databases entry names admin.
        using (var targetConfig = new MongoClient(target.ConfigServer.ConnectionString))
            Assert.Equal(AppDocuments, await targetConfig.GetDatabase("admin").GetCollection<BsonDocument>("appdata").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        foreach (var shard in target.Shards)
        {
            using var onShard = new MongoClient(shard.ConnectionString);
            Assert.DoesNotContain("appdata", await (await onShard.GetDatabase("admin").ListCollectionNamesAsync()).ToListAsync());
        }
        Assert.Null(await mongos.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "admin")).FirstOrDefaultAsync());
        Assert.Equal(TwoShardCluster.InitialOrders, await mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        // The warnings stay truthful: the saved user is named as left out (no -IncludeUsersAndRoles), admin.appdata is not.
        Assert.Contains(observer.Warnings, w => w.Contains("users and roles") && w.Contains("user ops@admin"));
        Assert.DoesNotContain(observer.Warnings, w => w.Contains("appdata"));
        Assert.Empty((await mongos.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("usersInfo", 1)))["users"].AsBsonArray);
    }

    [Fact]
    public async Task Database_admin_selects_admins_own_collections_alone_and_they_restore_renamed_into_a_replica_set_and_export_as_a_dump()
    {
        using var source = new TwoShardCluster();
        var appdata = await WriteAppDataAsync(source);

        var manifest = await new FullBackup(new RecordingObserver()).RunAsync(source.Backup() with { Filter = new NamespaceFilter(databases: ["admin"]) }, CancellationToken.None);
        Assert.Equal(["admin.appdata"], manifest.Cluster!.AdminCollections.Select(n => n.FullName));
        Assert.All(manifest.Cluster.Shards, s => Assert.Empty(s.Namespaces));

        var renamed = TestDatabases.NewName("adminapp");
        try
        {
            var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
            {
                Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
                Snapshot = new RepositorySnapshot(source.Repository, manifest.Id),
                Filter = new NamespaceFilter(collections: ["admin.appdata"]),
                Map = new NamespaceMap().AddDatabaseRename("admin", renamed),
            }, CancellationToken.None);
            Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
            var restored = server.Client.GetDatabase(renamed).GetCollection<BsonDocument>("appdata");
            Assert.Equal(appdata, await restored.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync());
            Assert.Equal(await IndexesAsync(source.Mongos, "admin", "appdata"), await IndexesAsync(server.Client, renamed, "appdata"));
        }
        finally
        {
            await server.Client.DropDatabaseAsync(renamed);
        }

        // Export-MongoSnapshot writes it as mongodump through a mongos would: admin/appdata.bson with its metadata.
        using var export = new TempFolder();
        await new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
        {
            Repository = source.Repository, SnapshotId = manifest.Id, Destination = export.Path,
        }, CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(export.Path, "admin", "appdata.bson")));
        Assert.True(File.Exists(Path.Combine(export.Path, "admin", "appdata.metadata.json")));
    }

    [Fact]
    public async Task A_point_in_time_restore_of_a_cluster_says_admins_own_collections_are_as_the_base_snapshot_read_them()
    {
        using var source = new TwoShardCluster();
        await WriteAppDataAsync(source);
        var full = await new FullBackup(new RecordingObserver()).RunAsync(source.Backup() with { Filter = new NamespaceFilter() }, CancellationToken.None);
        // A change to admin after the backup: on the config servers, in no shard's oplog and so in no slice.
        await source.Mongos.GetDatabase("admin").GetCollection<BsonDocument>("appdata").InsertOneAsync(new BsonDocument { { "_id", 1000 }, { "setting", "later" } });
        await source.Orders.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("qty", 9)));
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(source.Slice(), CancellationToken.None);
        Assert.NotNull(slice);

        var renamed = TestDatabases.NewName("adminpitr");
        var observer = new RecordingObserver();
        try
        {
            var shop = source.PointInTime(server, OplogLimit.AtClusterTime(slice.OplogEnd!.Value), renamed);
            var request = shop with { Restore = shop.Restore with { Filter = new NamespaceFilter(databases: ["admin"]), Map = new NamespaceMap().AddDatabaseRename("admin", renamed) } };
            var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(request, CancellationToken.None);
            Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
            // As the base snapshot read it: the later insert is not there, and the warning says why.
            Assert.Equal(AppDocuments, await server.Client.GetDatabase(renamed).GetCollection<BsonDocument>("appdata").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
            Assert.Contains(observer.Warnings, w => w.Contains("admin.appdata is restored as base snapshot " + full.Id) && w.Contains("config servers"));
        }
        finally
        {
            await server.Client.DropDatabaseAsync(renamed);
        }
    }

    /// <summary>admin.appdata written through the mongos, with a unique secondary index; its documents in _id order.</summary>
    private static async Task<List<BsonDocument>> WriteAppDataAsync(TwoShardCluster cluster)
    {
        var appdata = cluster.Mongos.GetDatabase("admin").GetCollection<BsonDocument>("appdata");
        await appdata.InsertManyAsync(Enumerable.Range(0, AppDocuments).Select(i => new BsonDocument { { "_id", i }, { "key", $"setting{i}" }, { "value", i * 3 } }));
        await appdata.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("key", 1), new CreateIndexOptions { Unique = true, Name = "key_unique" }));
        return await appdata.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
    }

    private static async Task<List<string>> IndexesAsync(IMongoClient client, string database, string collection)
    {
        var indexes = await (await client.GetDatabase(database).GetCollection<BsonDocument>(collection).Indexes.ListAsync()).ToListAsync();
        return indexes.Select(i => $"{i["name"]} {i["key"].ToJson()} {i.GetValue("unique", false)}").Order(StringComparer.Ordinal).ToList();
    }
}
