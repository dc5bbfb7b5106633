using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>Transactions through mongos (two-phase commit across shards) and appendOplogNote on mongos and on a mongod.</summary>
public class ClusterTransactionTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    /// <summary>shop.orders sharded on customer: [MinKey, 50) on shard0, [50, MaxKey) on shard1.</summary>
    private static IMongoCollection<BsonDocument> TwoShardOrders(ClusterFixture fixture)
    {
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 50) } });
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 50) }, { "to", "shard1" } });
        return fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
    }

    private static BsonDocument Last(List<BsonDocument> entries) => entries[^1];

    [InMemoryFact(Reason)]
    public void A_transaction_writing_on_two_shards_commits_in_two_phases_with_one_commit_timestamp()
    {
        using var fixture = new ClusterFixture();
        var orders = TwoShardOrders(fixture);
        using (var session = fixture.Mongos.StartSession())
        {
            session.StartTransaction();
            orders.InsertOne(session, new BsonDocument { { "_id", 1 }, { "customer", 10 } });
            orders.InsertOne(session, new BsonDocument { { "_id", 2 }, { "customer", 60 } });
            Assert.Equal(0, orders.CountDocuments(new BsonDocument())); // nothing visible outside before the commit
            session.CommitTransaction();
        }
        Assert.Equal([1, 2], orders.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32));
        var prepareTimestamps = new List<BsonTimestamp>();
        var commitTimestamps = new List<BsonTimestamp>();
        for (var shard = 0; shard < 2; shard++)
        {
            var prepare = Last(fixture.OplogOf(shard, new BsonDocument { { "op", "c" }, { "o.applyOps", new BsonDocument("$exists", true) } }));
            Assert.True(prepare["o"]["prepare"].AsBoolean); // MongoDB writes prepare: true inside o
            var inserted = Assert.Single(prepare["o"]["applyOps"].AsBsonArray);
            Assert.Equal(shard + 1, inserted["o"]["_id"].AsInt32);
            var commit = Last(fixture.OplogOf(shard, new BsonDocument("o.commitTransaction", 1)));
            Assert.Equal(prepare["ts"], commit["prevOpTime"]["ts"]);
            Assert.Equal(prepare["lsid"], commit["lsid"]);
            Assert.True(commit["ts"].AsBsonTimestamp.CompareTo(commit["o"]["commitTimestamp"].AsBsonTimestamp) > 0);
            prepareTimestamps.Add(prepare["ts"].AsBsonTimestamp);
            commitTimestamps.Add(commit["o"]["commitTimestamp"].AsBsonTimestamp);
        }
        Assert.Equal(commitTimestamps[0], commitTimestamps[1]);
        Assert.Equal(prepareTimestamps.Max(), commitTimestamps[0]); // the coordinator's choice: the latest prepareTimestamp
    }

    [InMemoryFact(Reason)]
    public void A_transaction_writing_on_one_shard_commits_there_without_prepare_and_an_aborted_one_leaves_nothing()
    {
        using var fixture = new ClusterFixture();
        var orders = TwoShardOrders(fixture);
        using (var session = fixture.Mongos.StartSession())
        {
            session.StartTransaction();
            orders.InsertOne(session, new BsonDocument { { "_id", 1 }, { "customer", 60 } });
            orders.InsertOne(session, new BsonDocument { { "_id", 2 }, { "customer", 70 } });
            Assert.Equal(0, orders.CountDocuments(session, new BsonDocument("customer", new BsonDocument("$lt", 50)))); // a read on shard0
            session.CommitTransaction();
            session.StartTransaction();
            orders.InsertOne(session, new BsonDocument { { "_id", 3 }, { "customer", 10 } });
            orders.InsertOne(session, new BsonDocument { { "_id", 4 }, { "customer", 80 } });
            session.AbortTransaction();
        }
        var applyOps = Assert.Single(fixture.OplogOf(1, new BsonDocument("o.applyOps", new BsonDocument("$exists", true))));
        Assert.False(applyOps["o"].AsBsonDocument.Contains("prepare"));
        Assert.Equal(2, applyOps["o"]["applyOps"].AsBsonArray.Count);
        Assert.Empty(fixture.OplogOf(0, new BsonDocument("o.applyOps", new BsonDocument("$exists", true))));
        Assert.Empty(fixture.OplogOf(0, new BsonDocument("o.commitTransaction", 1)));
        Assert.Equal([1, 2], orders.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32));
    }

    [InMemoryFact(Reason)]
    public void AppendOplogNote_on_mongos_writes_a_note_on_every_shard_but_not_the_config_server()
    {
        using var fixture = new ClusterFixture(shards: 3);
        var reply = fixture.RunAdmin(new BsonDocument { { "appendOplogNote", 1 }, { "data", new BsonDocument("backup", "cut-1") } });
        Assert.Equal(3, reply["raw"].AsBsonDocument.ElementCount);
        for (var shard = 0; shard < 3; shard++)
        {
            var note = Assert.Single(fixture.OplogOf(shard, new BsonDocument("o.backup", "cut-1")));
            Assert.Equal("n", note["op"].AsString);
            Assert.Equal("", note["ns"].AsString);
        }
        var onConfig = fixture.Config.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument("o.backup", "cut-1")).ToList();
        Assert.Empty(onConfig);
    }

    [InMemoryFact(Reason)]
    public void AppendOplogNote_with_maxClusterTime_pushes_an_idle_shard_past_it_and_a_shard_already_there_answers_StaleClusterTime()
    {
        using var fixture = new ClusterFixture();
        var orders = TwoShardOrders(fixture);
        orders.InsertMany(Enumerable.Range(0, 5).Select(i => new BsonDocument { { "_id", i }, { "customer", 60 + i } })); // shard1 only
        var busy = Last(fixture.OplogOf(1, new BsonDocument()))["ts"].AsBsonTimestamp;
        var idle = Last(fixture.OplogOf(0, new BsonDocument()))["ts"].AsBsonTimestamp;
        Assert.True(idle.CompareTo(busy) < 0);

        var error = Assert.Throws<MongoCommandException>(() => fixture.RunAdmin(new BsonDocument
        {
            { "appendOplogNote", 1 }, { "data", new BsonDocument("push", 1) }, { "maxClusterTime", busy },
        }));
        Assert.Equal(209, error.Code);
        Assert.Equal("StaleClusterTime", error.CodeName);
        Assert.Empty(fixture.OplogOf(1, new BsonDocument("o.push", 1)));
        var pushed = Assert.Single(fixture.OplogOf(0, new BsonDocument("o.push", 1)));
        Assert.True(pushed["ts"].AsBsonTimestamp.CompareTo(busy) > 0); // the idle shard's oplog now reaches past the cut
    }

    [InMemoryFact(Reason + "; and a standalone")]
    public void AppendOplogNote_on_a_mongod_is_admin_only_and_needs_a_replica_set()
    {
        using (var replicaSet = MongoTarget.StartInMemory())
        {
            replicaSet.Admin.RunCommand<BsonDocument>(new BsonDocument { { "appendOplogNote", 1 }, { "data", new BsonDocument("hello", "world") } });
            var note = replicaSet.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument("o.hello", "world")).Single();
            Assert.Equal("n", note["op"].AsString);
            Assert.Equal(new BsonDocument("hello", "world"), note["o"]);
            Assert.Equal(13, Assert.Throws<MongoCommandException>(() => replicaSet.Client.GetDatabase("shop")
                .RunCommand<BsonDocument>(new BsonDocument { { "appendOplogNote", 1 }, { "data", new BsonDocument() } })).Code);
            Assert.Equal(4, Assert.Throws<MongoCommandException>(() => replicaSet.Admin.RunCommand<BsonDocument>(new BsonDocument("appendOplogNote", 1))).Code);
        }
        using var standalone = MongoTestServer.Start(new TestServerOptions { Log = TextWriter.Null });
        using var client = new MongoClient(standalone.ConnectionString);
        Assert.Equal(76, Assert.Throws<MongoCommandException>(() =>
            client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "appendOplogNote", 1 }, { "data", new BsonDocument() } })).Code);
    }
}
