using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Replayed operations through a mongos: runs of writes to one collection go as one ordered bulk write, and a write the
/// cluster refuses in the middle of one stops there with the ones before it applied and counted, and the refused one named.
/// </summary>
public sealed class MongosReplayTargetTests
{
    [Fact]
    public async Task A_refused_write_inside_a_run_stops_there_with_the_writes_before_it_applied_and_it_named()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "code", "a" }, { "n", 0 } });

        static ApplyOpsBatch.Item Item(int ts, BsonDocument operation) =>
            new(operation.Add("ts", new BsonTimestamp(100, ts)), 0, 1, 0);
        var batch = new[]
        {
            Item(1, new BsonDocument { { "op", "u" }, { "ns", "app.items" }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 5}}}") }, { "o2", new BsonDocument("_id", 1) } }),
            Item(2, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 2 }, { "code", "b" } } } }),
            Item(3, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 3 }, { "code", "c" } } } }),
            Item(4, new BsonDocument { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", 4 }, { "code", "a" } } } }),
            Item(5, new BsonDocument { { "op", "d" }, { "ns", "app.items" }, { "o", new BsonDocument("_id", 2) } }),
        };
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.items"] = ["code"] });
        var (applied, error) = await target.ApplyAsync(batch, CancellationToken.None);

        Assert.Equal(3, applied.Count);
        Assert.NotNull(error);
        Assert.Equal(ErrorIds.OplogReplayFailed, error.ErrorId);
        Assert.Contains("Timestamp(100, 4)", error.Message);
        var documents = await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 5 }", "{ \"_id\" : 2, \"code\" : \"b\" }", "{ \"_id\" : 3, \"code\" : \"c\" }"],
            documents.Select(d => d.ToJson()));
    }

    [Fact]
    public async Task A_transaction_with_a_refused_write_leaves_none_of_its_writes_and_a_whole_one_commits_all()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("code", 1) }, { "unique", true } });
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "code", "a" }, { "n", 0 } });
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.items"] = ["code"] });
        static BsonDocument Insert(int id, string code) => new() { { "op", "i" }, { "ns", "app.items" }, { "o", new BsonDocument { { "_id", id }, { "code", code } } }, { "ts", new BsonTimestamp(100, id) } };
        var delta = new BsonDocument { { "op", "u" }, { "ns", "app.items" }, { "o", BsonDocument.Parse("{$v: 2, diff: {u: {n: 5}}}") }, { "o2", new BsonDocument("_id", 1) }, { "ts", new BsonTimestamp(100, 9) } };

        // The second insert repeats code "a" (unique): the transaction is refused whole, the delta and the first insert with it.
        var refused = await target.ApplyTransactionAsync([delta, Insert(2, "b"), Insert(3, "a")], CancellationToken.None);
        Assert.NotNull(refused);
        Assert.Equal(ErrorIds.OplogReplayFailed, refused.ErrorId);
        Assert.Contains("Timestamp(100, 3)", refused.Message);
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 0 }"], (await items.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d.ToJson()));

        Assert.Null(await target.ApplyTransactionAsync([delta, Insert(2, "b"), Insert(3, "c")], CancellationToken.None));
        Assert.Equal(["{ \"_id\" : 1, \"code\" : \"a\", \"n\" : 5 }", "{ \"_id\" : 2, \"code\" : \"b\" }", "{ \"_id\" : 3, \"code\" : \"c\" }"],
            (await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()));
    }

    /// <summary>
    /// A point-in-time replay through a mongos of a replacement update that changed the document's shard key value (allowed
    /// since MongoDB 4.2 for a key other than _id, e.g. an order's region corrected with replaceOne). Where the document stayed
    /// on its shard in the source, the oplog holds one 'u' entry: o the whole new document, o2 the document key as the
    /// document held it before (the shard key's fields, then _id: op_observer_util.cpp getDocumentKey; update_stage.cpp
    /// transformAndUpdate takes the update's criteria, logged as o2, from the document before the update; the test server's
    /// DocumentWriter logs the same). The target cluster's chunks need not be the source's (another number of shards, its own
    /// balancer), so there the old and new values may be owned by different shards. The replay sends a replacement as an upsert
    /// filtered by _id and the shard key values of the new document (<see cref="MongosReplayTarget"/>), which the target's
    /// document, still holding the old value, does not match: the upsert inserts a second document of that _id on the shard
    /// owning the new value, silently (on the same shard it is refused, DuplicateKey, and the collection fails there). The
    /// replay now deletes the document under the old key o2 names first (<see cref="ReplayWrites"/>).
    /// </summary>
    [Fact]
    public async Task A_replacement_that_changed_the_shard_key_value_replaces_the_document_and_never_adds_a_second_of_its_id()
    {
        var (error, held) = await ReplayOnOrderOneAsync(new BsonDocument { { "_id", 1 }, { "region", "us" }, { "total", 12 } });

        Assert.True(error is null, $"the replacement was refused: {error?.Message}; the cluster holds {string.Join(", ", held)}");
        Assert.Equal(["{ \"_id\" : 1, \"region\" : \"us\", \"total\" : 12 }"], held);
    }

    /// <summary>
    /// The same change made by a modifier update ($set of the shard key field) that kept the document on its shard: logged as a
    /// "$v: 2" delta with o2 the old document key. The replay reads the document, applies the delta, and must put the result in
    /// the old one's place, on whichever shard of the target owns the new value.
    /// </summary>
    [Fact]
    public async Task A_delta_that_changed_the_shard_key_value_moves_the_document_and_never_adds_a_second_of_its_id()
    {
        var (error, held) = await ReplayOnOrderOneAsync(BsonDocument.Parse("{$v: 2, diff: {u: {region: 'us', total: 12}}}"));

        Assert.Null(error);
        Assert.Equal(["{ \"_id\" : 1, \"region\" : \"us\", \"total\" : 12 }"], held);
    }

    /// <summary>
    /// An update that changed the shard key value so that the document moved to another shard: mongos catches the shard's
    /// WouldChangeOwningShard and runs a delete of the old document on its shard and an insert of the new one on the other,
    /// in one distributed transaction (cluster_write.cpp / bulk write exec, "the update (as a delete + insert on the
    /// corresponding shards in a txn)"); each shard logs its part prepared, then its commitTransaction. Read in shard order,
    /// the new owner's insert (shard 0 here) would come before the old owner's delete (shard 1); on a target whose one chunk
    /// holds both values, the insert of an _id still held would be refused (DuplicateKey) and the transaction with it.
    /// </summary>
    [Fact]
    public async Task A_moved_document_s_delete_and_insert_from_two_shards_replay_as_one_document_where_one_shard_owns_both_keys()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.orders" }, { "key", new BsonDocument("region", 1) } });
        var orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument { { "_id", 1 }, { "region", "eu" }, { "total", 10 } });

        var session = new BsonDocument("id", new BsonBinaryData(Guid.Parse("5d1f6a0e-8a43-4b7e-9d55-2c7b3c1f0a11"), GuidRepresentation.Standard));
        BsonDocument Prepared(int ts, BsonDocument operation) => new()
        {
            { "op", "c" }, { "ns", "admin.$cmd" }, { "ts", new BsonTimestamp(100, ts) }, { "lsid", session }, { "txnNumber", 7L },
            { "o", new BsonDocument { { "applyOps", new BsonArray { operation } }, { "prepare", true } } },
        };
        BsonDocument Commit(int ts) => new()
        {
            { "op", "c" }, { "ns", "admin.$cmd" }, { "ts", new BsonTimestamp(100, ts) }, { "lsid", session }, { "txnNumber", 7L },
            { "o", new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", new BsonTimestamp(100, 3) } } },
        };
        var insertOnNewOwner = Prepared(1, new BsonDocument { { "op", "i" }, { "ns", "app.orders" }, { "o", new BsonDocument { { "_id", 1 }, { "region", "us" }, { "total", 12 } } } });
        var deleteOnOldOwner = Prepared(2, new BsonDocument { { "op", "d" }, { "ns", "app.orders" }, { "o", new BsonDocument { { "region", "eu" }, { "_id", 1 } } } });
        var merge = new CrossShardTransactions();
        Assert.Empty(merge.Take(0, insertOnNewOwner, insertOnNewOwner.ToBson()));
        Assert.Empty(merge.Take(1, deleteOnOldOwner, deleteOnOldOwner.ToBson()));
        Assert.Empty(merge.Take(0, Commit(4), Commit(4).ToBson()));
        var combined = BsonSerializer.Deserialize<BsonDocument>(Assert.Single(merge.Take(1, Commit(5), Commit(5).ToBson())).Raw);

        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.orders"] = ["region"] });
        var refused = await target.ApplyTransactionAsync(combined["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument).ToList(), CancellationToken.None);

        var held = (await orders.Find(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()).ToList();
        Assert.True(refused is null, $"the transaction was refused: {refused?.Message}; the cluster holds {string.Join(", ", held)}");
        Assert.Equal(["{ \"_id\" : 1, \"region\" : \"us\", \"total\" : 12 }"], held);
    }

    /// <summary>
    /// A rename replayed through a mongos into a database the cluster does not know (a same-database rename in the source
    /// that -NamespaceMap sends into another database): mongos refuses it, NamespaceNotFound "database dst not found"
    /// (the rename coordinator does not create it), and the replay took that for "nothing to rename", so the documents
    /// stayed under the old name and the restore reported success. The replay now creates the database on the source's
    /// primary shard first, as a replica set would create it, and the documents are where the rename put them.
    /// </summary>
    [Fact]
    public async Task A_rename_into_a_database_the_cluster_does_not_know_creates_it_on_the_source_s_primary_and_moves_the_documents()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "enableSharding", "src" }, { "primaryShard", "shard1" } });
        client.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2), new BsonDocument("_id", 3)]);
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>>());

        var error = await target.ApplyCommandAsync(Rename("src.x", "dst.y"), CancellationToken.None);

        Assert.True(error is null, error?.Message);
        Assert.Equal(3, await client.GetDatabase("dst").GetCollection<BsonDocument>("y").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.DoesNotContain("x", await (await client.GetDatabase("src").ListCollectionNamesAsync()).ToListAsync());
        var dst = await client.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(new BsonDocument("_id", "dst")).SingleAsync();
        Assert.Equal("shard1", dst["primary"].AsString);
    }

    /// <summary>
    /// A rename of a collection the target does not hold (dropped later in the source, or never restored) changes nothing,
    /// as before: its NamespaceNotFound is not an error, and no database is created for it.
    /// </summary>
    [Fact]
    public async Task A_rename_of_a_collection_the_cluster_does_not_hold_changes_nothing_and_creates_no_database()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("src").GetCollection<BsonDocument>("keep").InsertOne(new BsonDocument("_id", 1));
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>>());

        Assert.Null(await target.ApplyCommandAsync(Rename("src.gone", "dst.y"), CancellationToken.None));
        Assert.Null(await target.ApplyCommandAsync(Rename("nowhere.gone", "dst.y"), CancellationToken.None));

        Assert.DoesNotContain("dst", await (await client.ListDatabaseNamesAsync()).ToListAsync());
        Assert.Equal(0, await client.GetDatabase("config").GetCollection<BsonDocument>("databases").CountDocumentsAsync(new BsonDocument("_id", "dst")));
    }

    /// <summary>
    /// A rename into a database on another primary shard than the source's: mongos refuses it (CommandFailed), the
    /// replay stops there naming the entry and what to do, and the documents are still under the old name.
    /// </summary>
    [Fact]
    public async Task A_rename_into_a_database_on_another_primary_shard_stops_the_replay_naming_it_and_keeps_the_documents()
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        var admin = client.GetDatabase("admin");
        admin.RunCommand<BsonDocument>(new BsonDocument { { "enableSharding", "src" }, { "primaryShard", "shard0" } });
        admin.RunCommand<BsonDocument>(new BsonDocument { { "enableSharding", "dst" }, { "primaryShard", "shard1" } });
        client.GetDatabase("src").GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>>());

        var error = await target.ApplyCommandAsync(Rename("src.x", "dst.y"), CancellationToken.None);

        Assert.NotNull(error);
        Assert.Equal(ErrorIds.OplogReplayFailed, error.ErrorId);
        Assert.Contains("Timestamp(100, 1)", error.Message);
        Assert.Contains("Source and destination collections must be on same shard", error.Message);
        Assert.Contains("movePrimary", error.Message);
        Assert.Equal(2, await client.GetDatabase("src").GetCollection<BsonDocument>("x").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private static BsonDocument Rename(string from, string to) => new()
    {
        { "op", "c" }, { "ns", from[..from.IndexOf('.')] + ".$cmd" }, { "ts", new BsonTimestamp(100, 1) },
        { "o", new BsonDocument { { "renameCollection", from }, { "to", to }, { "dropTarget", false } } },
    };

    /// <summary>
    /// Replays one update of order 1 (o: <paramref name="o"/>, o2: its old document key {region: "eu", _id: 1}) through the
    /// mongos of a two-shard cluster with app.orders sharded by region, "eu" on one shard and "us" on the other, holding
    /// order 1 in "eu"; the replay's error, and the documents of _id 1 the cluster then holds.
    /// </summary>
    private static async Task<(MongoBackupException? Error, List<string> Held)> ReplayOnOrderOneAsync(BsonDocument o)
    {
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        var admin = client.GetDatabase("admin");
        admin.RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.orders" }, { "key", new BsonDocument("region", 1) } });
        admin.RunCommand<BsonDocument>(new BsonDocument { { "split", "app.orders" }, { "middle", new BsonDocument("region", "m") } });
        admin.RunCommand<BsonDocument>(new BsonDocument { { "moveChunk", "app.orders" }, { "find", new BsonDocument("region", "us") }, { "to", "shard1" } });
        var orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument { { "_id", 1 }, { "region", "eu" }, { "total", 10 } });

        var update = new BsonDocument
        {
            { "op", "u" }, { "ns", "app.orders" }, { "ts", new BsonTimestamp(100, 1) }, { "o", o }, { "o2", new BsonDocument { { "region", "eu" }, { "_id", 1 } } },
        };
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.orders"] = ["region"] });
        var (_, error) = await target.ApplyAsync([new ApplyOpsBatch.Item(update, 0, 1, 0)], CancellationToken.None);
        return (error, (await orders.Find(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d.ToJson()).ToList());
    }
}
