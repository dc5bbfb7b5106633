using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A replica set's snapshot, or a mongodump folder, restored into a sharded cluster through its mongos, as a DBA moving
/// from a replica set to a cluster does it: every collection lands unsharded on its database's primary shard (the DBA
/// shards afterwards, as after mongorestore), with its documents, indexes and options, and users and roles on the config
/// servers; the snapshot's oplog and a point-in-time restore's slices are replayed through the mongos with ordinary
/// writes. The config and local databases are refused there, each namespace named.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ReplicaSetIntoClusterTests(MongoServerFixture server)
{
    private ConnectionSettings Source => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_snapshot_taken_under_writes_restores_unsharded_equal_to_the_source_at_its_consistency_point_users_and_roles_included()
    {
        var database = TestDatabases.NewName("rs2cl");
        await RichDataSet.SeedAsync(server.Client, database);
        var people = server.Client.GetDatabase(database).GetCollection<BsonDocument>("people");
        var hook = new DuringBackupHook(() =>
        {
            people.InsertOne(new BsonDocument { { "_id", ObjectId.GenerateNewId() }, { "email", "late@example.test" }, { "age", 40 } });
            people.UpdateMany(new BsonDocument("age", new BsonDocument("$lt", 5)), new BsonDocument("$set", new BsonDocument("young", true)));
            people.DeleteOne(new BsonDocument("email", "person7@example.test"));
        });
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(hook).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = repository, Filter = new NamespaceFilter(databases: [database]), IncludeUsersAndRoles = true,
            ParallelCollections = 1,
        }, CancellationToken.None);
        Assert.True(hook.Ran);
        var expected = await DatabaseState.CaptureAsync(server.Client, database, withUsers: true);

        using var target = ShardingInWindowTests.FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = target.ConnectionString },
            Snapshot = new RepositorySnapshot(repository, manifest.Id), IncludeUsersAndRoles = true,
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? outcome.UsersAndRolesError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.True(outcome.OplogEntriesApplied > 0);
        expected.AssertSameAs(await DatabaseState.CaptureAsync(mongos, database, withUsers: true));
        Assert.Equal((1L, 1L), (outcome.UsersRestored, outcome.RolesRestored));
        // Unsharded, every collection on the database's primary shard, which the cluster chose.
        Assert.Equal(0, await Config(mongos, "collections").CountDocumentsAsync(new BsonDocument("_id", new BsonRegularExpression($"^{database}\\."))));
        var primary = (await Config(mongos, "databases").Find(new BsonDocument("_id", database)).SingleAsync())["primary"].AsString;
        using var shard = new MongoClient(target.Shards[int.Parse(primary["shard".Length..])].ConnectionString);
        Assert.Equal(expected.Collections["people"].Documents.Count,
            await shard.GetDatabase(database).GetCollection<BsonDocument>("people").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_point_in_time_restore_replays_the_slices_through_the_mongos_and_says_which_transactions_were_not_applied_atomically()
    {
        var database = TestDatabases.NewName("rs2clpit");
        var db = server.Client.GetDatabase(database);
        var orders = db.GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        using var session = await server.Client.StartSessionAsync();
        await orders.UpdateManyAsync(session, new BsonDocument("_id", new BsonDocument("$lt", 10)), new BsonDocument("$inc", new BsonDocument("qty", 100)));
        // One transaction of writes only (applied through the mongos as one transaction), and two that also create a
        // collection (a command inside the transaction: their writes are applied one after another).
        session.StartTransaction();
        await orders.InsertOneAsync(session, new BsonDocument { { "_id", 1000 }, { "qty", 1 } });
        await orders.DeleteOneAsync(session, new BsonDocument("_id", 49));
        await session.CommitTransactionAsync();
        foreach (var name in new[] { "audit", "notes" })
        {
            session.StartTransaction();
            await db.CreateCollectionAsync(session, name);
            await db.GetCollection<BsonDocument>(name).InsertOneAsync(session, new BsonDocument { { "_id", 1 }, { "of", name } });
            await orders.UpdateOneAsync(session, new BsonDocument("_id", 20), new BsonDocument("$push", new BsonDocument("seen", name)));
            await session.CommitTransactionAsync();
        }
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Source, Repository = repository }, CancellationToken.None);
        Assert.NotNull(slice);
        var expected = await DatabaseState.CaptureAsync(server.Client, database);

        using var target = ShardingInWindowTests.FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var observer = new RecordingObserver();
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(OplogTimestamp.FromBsonTimestamp(session.OperationTime)),
            Restore = new RestoreRequest { Connection = new ConnectionSettings { ConnectionString = target.ConnectionString }, Filter = new NamespaceFilter(databases: [database]) },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        expected.AssertSameAs(await DatabaseState.CaptureAsync(mongos, database));
        Assert.Contains("1 committed transaction(s) applied through the mongos, each as one transaction.", observer.Verboses);
        var warning = Assert.Single(observer.Warnings, w => w.Contains("transaction"));
        Assert.Equal("2 committed transaction(s) of the replayed oplog also created or changed a collection (a command inside the transaction), " +
            "which the replay does not send inside a transaction: their writes were applied one after another, not atomically.", warning);
    }

    [Fact]
    public async Task The_config_and_local_databases_of_a_mongodump_folder_are_refused_through_a_mongos_naming_each_and_the_rest_is_restored()
    {
        using var folder = new TempFolder();
        var dump = Path.Combine(folder.Path, "dump");
        foreach (var (database, collection) in new[] { ("config", "settings"), ("local", "startup_log"), ("app", "items") })
        {
            Directory.CreateDirectory(Path.Combine(dump, database));
            File.WriteAllBytes(Path.Combine(dump, database, collection + ".bson"), new BsonDocument { { "_id", 1 }, { "from", database } }.ToBson());
        }
        using var target = ShardingInWindowTests.FreshCluster();
        using var mongos = new MongoClient(target.ConnectionString);
        var observer = new RecordingObserver();
        var request = new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = target.ConnectionString }, SourcePath = dump,
            Filter = new NamespaceFilter(databases: ["config", "local", "app"]),
        };

        var planned = await TargetCheck.CheckAsync(request, RestorePlanner.Plan(MongoBackup.Engine.Formats.DumpReaders.Open(dump), request.Filter, request.Map), CancellationToken.None);
        Assert.Equal(["config.settings", "local.startup_log"], planned.Where(p => p.Refusal is not null).Select(p => p.Namespace.TargetNamespace));
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        Assert.Equal(["config.settings", "local.startup_log"], outcome.Namespaces.Where(n => n.Error is not null).Select(n => n.TargetNamespace).Order());
        Assert.All(observer.Failures, f => Assert.Equal(ErrorIds.ShardedClusterNotSupported, f.Error.ErrorId));
        Assert.Contains(observer.Failures, f => f.Error.Message.StartsWith("config.settings was not restored: a restore through a mongos writes nothing to the config database"));
        Assert.Contains(observer.Failures, f => f.Error.Message.StartsWith("local.startup_log was not restored:"));
        Assert.Equal(0, await Config(mongos, "settings").CountDocumentsAsync(new BsonDocument("from", "config")));
        Assert.Equal("app", (await mongos.GetDatabase("app").GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).SingleAsync())["from"]);
    }

    private static IMongoCollection<BsonDocument> Config(IMongoClient client, string name) => client.GetDatabase("config").GetCollection<BsonDocument>(name);
}
