using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A point-in-time restore of a replica set's repository through a mongos, over a rename in the restore window that
/// the namespace map sends into another database: the documents end up under the name the DBA asked for, with every one
/// of them, never left behind under the old name while the restore reports success.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class MongosRenameRestoreTests(MongoServerFixture server)
{
    private ConnectionSettings Source => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_rename_mapped_into_a_database_the_cluster_does_not_know_lands_there_whole()
    {
        var database = TestDatabases.NewName("mgren");
        var history = TestDatabases.NewName("mgren_h");
        var orders = server.Client.GetDatabase(database).GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument { { "_id", i }, { "total", i * 10 } }));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        // In the window: the collection renamed within its database, then one more document written under the new name.
        await server.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "renameCollection", database + ".orders" }, { "to", database + ".archive" } });
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("archive").InsertOneAsync(new BsonDocument { { "_id", 4 }, { "total", 40 } });
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Source, Repository = repository }, CancellationToken.None);

        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(cluster.ConnectionString);
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value),
            Restore = new RestoreRequest
            {
                Connection = new ConnectionSettings { ConnectionString = cluster.ConnectionString }, Filter = new NamespaceFilter(databases: [database]),
                Map = new NamespaceMap().Add(database + ".archive", history + ".archive"),
            },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        var archived = await mongos.GetDatabase(history).GetCollection<BsonDocument>("archive").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([1, 2, 3, 4], archived.Select(d => d["_id"].AsInt32));
        Assert.Equal([10, 20, 30, 40], archived.Select(d => d["total"].AsInt32));
        Assert.DoesNotContain("orders", await (await mongos.GetDatabase(database).ListCollectionNamesAsync()).ToListAsync());
    }
}
