using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Operator updates of every form the server logs differently ($v: 2 deltas with sub-diffs, array diffs, created paths,
/// deletes; whole arrays for $pull/$pop; the forms are mongod's, src/mongo/db/update/v2_log_builder.cpp), taken from the
/// server's own oplog and replayed as a point-in-time restore replays them: through the engine's replay into a replica set,
/// and through a mongos, where the deltas are translated into update operators. Both end with the source's documents.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OperatorUpdateReplayTests(MongoServerFixture server)
{
    private static readonly (string Before, string Update)[] Forms =
    [
        ("{a: {b: 0, c: 'kept'}}", "{$set: {'a.b': 1}}"),
        ("{a: {b: 0, c: 'kept'}}", "{$set: {a: {b: 1, c: 'kept'}}}"),
        ("{}", "{$set: {'x.y.z': 1}}"),
        ("{a: {b: 0}}", "{$set: {'a.c': 1}}"),
        ("{arr: [1]}", "{$set: {'arr.3': 4}}"),
        ("{arr: [{x: 0}]}", "{$set: {'arr.2.x': 1}}"),
        ("{arr: [{x: 0}, {x: 0}]}", "{$set: {'arr.1.x': 1}}"),
        ("{arr: [{x: 0}, {x: 5}]}", "{$set: {'arr.$[].x': 5}}"),
        ("{a: {b: 0, c: 1}}", "{$unset: {'a.b': 1}}"),
        ("{arr: [1, 2, 3]}", "{$unset: {'arr.1': 1}}"),
        ("{a: {n: 1}}", "{$inc: {'a.n': 1}}"),
        ("{arr: [1, 2]}", "{$inc: {'arr.0': 5}}"),
        ("{a: {n: 2}}", "{$mul: {'a.n': 3}}"),
        ("{a: {n: 2}}", "{$max: {'a.n': 9, 'a.m': 1}}"),
        ("{a: {n: 2}}", "{$min: {'a.n': 1}}"),
        ("{arr: [1, 2, 3]}", "{$push: {arr: 4}}"),
        ("{arr: [1, 2, 3]}", "{$push: {arr: {$each: [4, 5]}}}"),
        ("{arr: [1]}", "{$addToSet: {arr: {$each: [1, 5]}}}"),
        ("{arr: []}", "{$addToSet: {arr: 7}}"),
        ("{arr: []}", "{$push: {arr: 1}}"),
        ("{arr: [1, 2]}", "{$push: {arr: {$each: [0], $position: 0}}}"),
        ("{arr: [1, 2, 3]}", "{$push: {arr: {$each: [9], $slice: -2}}}"),
        ("{arr: [3, 1]}", "{$push: {arr: {$each: [2], $sort: 1}}}"),
        ("{}", "{$push: {'a.list': 1}}"),
        ("{arr: [1, 2, 3]}", "{$pull: {arr: 2}}"),
        ("{a: {arr: [1, 2, 3]}}", "{$pullAll: {'a.arr': [1, 3]}}"),
        ("{arr: [1, 2, 3]}", "{$pop: {arr: -1}}"),
        ("{a: 1, z: 0}", "{$rename: {a: 'b'}}"),
        ("{p: {a: 1, z: 0}}", "{$rename: {'p.a': 'p.b'}}"),
        ("{z: 0}", "{$set: {b: 1}, $rename: {z: 'a'}}"),
        ("{a: {b: 0}, c: 1, d: 1}", "{$set: {'a.b': 1, c: 2, e: 3}, $unset: {d: 1}}"),
        // $bit, logged as an updated or created field (bit_node.cpp through modifier_node.cpp).
        ("{n: 5}", "{$bit: {n: {and: 3}}}"),
        ("{a: {n: NumberLong(1)}}", "{$bit: {'a.n': {or: 6, xor: 1}}}"),
        ("{}", "{$bit: {'m.k': {xor: 5}}}"),
        ("{arr: [4, 8]}", "{$bit: {'arr.1': {or: 1}}}"),
    ];

    /// <summary>Runs every form on its own document of a new collection and returns the oplog entries it logged, in order.</summary>
    private static async Task<(List<BsonDocument> Source, List<BsonDocument> Entries)> LoggedFormsAsync(IMongoClient client, string ns)
    {
        var dot = ns.IndexOf('.');
        var docs = client.GetDatabase(ns[..dot]).GetCollection<BsonDocument>(ns[(dot + 1)..]);
        for (var i = 0; i < Forms.Length; i++)
        {
            await docs.InsertOneAsync(new BsonDocument("_id", i).AddRange(BsonDocument.Parse(Forms[i].Before)));
            var result = await docs.UpdateOneAsync(new BsonDocument("_id", i), BsonDocument.Parse(Forms[i].Update));
            Assert.Equal(1, result.ModifiedCount);
        }
        var entries = await client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument("ns", ns)).Sort(new BsonDocument("$natural", 1)).ToListAsync();
        Assert.Equal(Forms.Length, entries.Count(e => e["op"] == "u"));
        Assert.Contains(entries, e => e["op"] == "u" && e["o"]["diff"].AsBsonDocument.Names.Any(n => n.StartsWith('s'))); // sub-diffs, as mongod logs
        return (await ReplayHarness.DocumentsAsync(client, ns), entries);
    }

    [Fact]
    public async Task Every_logged_operator_update_form_replays_into_a_replica_set_to_the_source_documents()
    {
        var source = TestDatabases.NewName("opsrc");
        var target = TestDatabases.NewName("opdst");
        var (expected, entries) = await LoggedFormsAsync(server.Client, source + ".docs");

        var outcome = await ReplayHarness.ReplayAsync(server.Client, entries, new NamespaceMap().AddDatabaseRename(source, target), [source + ".docs"]);

        Assert.Null(outcome.Error);
        Assert.Equal(expected, await ReplayHarness.DocumentsAsync(server.Client, target + ".docs"));
    }

    [Fact]
    public async Task Every_logged_operator_update_form_replays_through_a_mongos_to_the_source_documents()
    {
        var source = TestDatabases.NewName("opsrc");
        var (expected, entries) = await LoggedFormsAsync(server.Client, source + ".docs");
        using var cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var client = new MongoClient(cluster.ConnectionString);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "shardCollection", "app.docs" }, { "key", new BsonDocument("_id", 1) } });
        var target = new MongosReplayTarget(client, new Dictionary<string, IReadOnlyList<string>> { ["app.docs"] = ["_id"] });

        var items = entries.Select(e =>
        {
            var operation = new BsonDocument { { "op", e["op"] }, { "ns", "app.docs" }, { "o", e["o"] }, { "ts", e["ts"] } };
            if (e.Contains("o2")) operation.Add("o2", e["o2"]);
            return new ApplyOpsBatch.Item(operation, 0, 1, 0);
        }).ToList();
        var (applied, error) = await target.ApplyAsync(items, CancellationToken.None);

        Assert.Null(error);
        Assert.Equal(items.Count, applied.Count);
        Assert.Equal(expected, await ReplayHarness.DocumentsAsync(client, "app.docs"));
    }
}
