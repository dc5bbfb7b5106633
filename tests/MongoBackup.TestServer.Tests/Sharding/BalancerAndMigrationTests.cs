using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>The balancer's status and switch, chunk moves with their fromMigrate entries, and a migration held running.</summary>
public class BalancerAndMigrationTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    [InMemoryFact(Reason)]
    public void BalancerStop_and_balancerStart_switch_the_mode_balancerStatus_reports_and_config_settings_keeps()
    {
        using var fixture = new ClusterFixture();
        var status = fixture.RunAdmin(new BsonDocument("balancerStatus", 1));
        Assert.Equal("full", status["mode"].AsString);
        Assert.False(status["inBalancerRound"].AsBoolean);
        Assert.IsType<BsonInt64>(status["numBalancerRounds"]);
        fixture.RunAdmin(new BsonDocument("balancerStop", 1));
        Assert.Equal("off", fixture.RunAdmin(new BsonDocument("balancerStatus", 1))["mode"].AsString);
        var settings = fixture.Config.GetDatabase("config").GetCollection<BsonDocument>("settings").Find(new BsonDocument("_id", "balancer")).Single();
        Assert.Equal("off", settings["mode"].AsString);
        Assert.True(settings["stopped"].AsBoolean);
        fixture.RunAdmin(new BsonDocument("balancerStart", 1));
        Assert.Equal("full", fixture.RunAdmin(new BsonDocument("balancerStatus", 1))["mode"].AsString);
        var notAdmin = Assert.Throws<MongoCommandException>(() => fixture.Mongos.GetDatabase("shop").RunCommand<BsonDocument>(new BsonDocument("balancerStatus", 1)));
        Assert.Equal(13, notAdmin.Code);
    }

    [InMemoryFact(Reason)]
    public void MoveChunk_copies_then_deletes_the_range_with_fromMigrate_entries_on_both_shards_and_updates_config_chunks()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 50) } });
        var orders = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        orders.InsertMany(Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "customer", i * 10 } }));
        Assert.Equal(10, fixture.OnShard(0, "shop", "orders").Count);
        Assert.False(fixture.Shards[1].GetDatabase("shop").ListCollectionNames().ToList().Contains("orders"));
        var before = fixture.ChunksOf("shop.orders");

        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 70) }, { "to", "shard1" }, { "_waitForDelete", true } });

        Assert.Equal([0, 1, 2, 3, 4], fixture.OnShard(0, "shop", "orders").Select(d => d["_id"].AsInt32));
        Assert.Equal([5, 6, 7, 8, 9], fixture.OnShard(1, "shop", "orders").Select(d => d["_id"].AsInt32));
        // The recipient got the collection with the same UUID and the shard key index.
        var uuid = fixture.ChunksOf("shop.orders")[0]["uuid"];
        Assert.Equal(uuid, fixture.Shards[1].GetDatabase("shop").ListCollections().ToList().Single(c => c["name"] == "orders")["info"]["uuid"]);
        Assert.Contains(fixture.Shards[1].GetDatabase("shop").GetCollection<BsonDocument>("orders").Indexes.List().ToList(), i => i["name"] == "customer_1");
        // Recipient: inserts marked fromMigrate; donor: deletes marked fromMigrate, with the moved _ids.
        var cloned = fixture.OplogOf(1, new BsonDocument { { "op", "i" }, { "ns", "shop.orders" } });
        Assert.Equal([5, 6, 7, 8, 9], cloned.Select(e => e["o"]["_id"].AsInt32));
        Assert.All(cloned, e => Assert.True(e["fromMigrate"].AsBoolean));
        Assert.All(cloned, e => Assert.Equal(uuid, e["ui"]));
        var deleted = fixture.OplogOf(0, new BsonDocument { { "op", "d" }, { "ns", "shop.orders" } });
        Assert.Equal([5, 6, 7, 8, 9], deleted.Select(e => e["o"]["_id"].AsInt32));
        Assert.All(deleted, e => Assert.True(e["fromMigrate"].AsBoolean));
        // The donor told change streams the recipient got its first chunk of the collection (it keeps one itself).
        var notice = Assert.Single(fixture.OplogOf(0, new BsonDocument("o2.migrateChunkToNewShard", "shop.orders")));
        Assert.Equal("n", notice["op"].AsString);
        Assert.Equal(new BsonDocument { { "migrateChunkToNewShard", "shop.orders" }, { "fromShardId", "shard0" }, { "toShardId", "shard1" } }, notice["o2"]);
        Assert.Empty(fixture.OplogOf(0, new BsonDocument("o2.migrateLastChunkFromShard", "shop.orders")));
        // Client inserts are not fromMigrate.
        Assert.All(fixture.OperationsOf(0, "shop.orders", "i"), e => Assert.False(e.Contains("fromMigrate")));
        // config.chunks: the chunk now on shard1 with a new major version and its history.
        var after = fixture.ChunksOf("shop.orders");
        Assert.Equal(["shard0", "shard1"], after.Select(c => c["shard"].AsString));
        var moved = after[1];
        Assert.Equal(before[1]["_id"], moved["_id"]);
        Assert.Equal(before.Max(c => c["lastmod"].AsBsonTimestamp)!.Timestamp + 1, moved["lastmod"].AsBsonTimestamp.Timestamp);
        Assert.Equal(["shard1", "shard0"], moved["history"].AsBsonArray.Select(h => h["shard"].AsString));
        Assert.Equal(moved["onCurrentShardSince"], moved["history"][0]["validAfter"]);
        // Reads through mongos see every document once; writes by key reach the new owner.
        Assert.Equal(10, orders.CountDocuments(new BsonDocument()));
        orders.InsertOne(new BsonDocument { { "_id", 10 }, { "customer", 99 } });
        Assert.Equal(6, fixture.OnShard(1, "shop", "orders").Count);
        // Moving shard0's last chunk away says so on shard0; shard1 already had chunks, so no new-shard notice this time.
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 0) }, { "to", "shard1" }, { "_waitForDelete", true } });
        Assert.Equal(new BsonDocument { { "migrateLastChunkFromShard", "shop.orders" }, { "shardId", "shard0" } },
            Assert.Single(fixture.OplogOf(0, new BsonDocument("o2.migrateLastChunkFromShard", "shop.orders")))["o2"]);
        Assert.Single(fixture.OplogOf(0, new BsonDocument("o2.migrateChunkToNewShard", "shop.orders")));
        Assert.Empty(fixture.OnShard(0, "shop", "orders"));
        Assert.Equal(11, orders.CountDocuments(new BsonDocument()));
        // The migrations left no coordinator document behind.
        Assert.Equal(0, fixture.Shards[0].GetDatabase("config").GetCollection<BsonDocument>("migrationCoordinators").CountDocuments(new BsonDocument()));
    }

    [InMemoryFact(Reason)]
    public async Task A_held_migration_is_seen_running_on_the_donor_and_refuses_a_second_until_released()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 50) } });
        fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument { { "_id", 1 }, { "customer", 60 } });
        var coordinators = fixture.Shards[0].GetDatabase("config").GetCollection<BsonDocument>("migrationCoordinators");
        Task move;
        using (var hold = fixture.Cluster.HoldMigrations())
        {
            move = Task.Run(() => fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 60) }, { "to", "shard1" } }));
            Assert.True(hold.WaitUntilRunning(TimeSpan.FromSeconds(30)));
            var running = coordinators.Find(new BsonDocument()).Single();
            Assert.Equal("shop.orders", running["nss"].AsString);
            Assert.Equal("shard0", running["donorShardId"].AsString);
            Assert.Equal("shard1", running["recipientShardId"].AsString);
            Assert.Equal(new BsonDocument("customer", 50), running["range"]["min"]);
            // The router still serves other commands meanwhile; a second migration is refused.
            Assert.Equal("full", fixture.RunAdmin(new BsonDocument("balancerStatus", 1))["mode"].AsString);
            var second = Assert.Throws<MongoCommandException>(() =>
                fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 0) }, { "to", "shard1" } }));
            Assert.Equal(117, second.Code);
            Assert.False(move.IsCompleted);
        }
        await move.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, coordinators.CountDocuments(new BsonDocument()));
        Assert.Single(fixture.OnShard(1, "shop", "orders"));
    }

    [InMemoryFact(Reason)]
    public void Without_waitForDelete_the_donor_keeps_the_moved_range_as_orphans_for_orphanCleanupDelaySecs_which_reads_through_mongos_leave_out()
    {
        using var fixture = new ClusterFixture();
        Assert.Equal(900, fixture.Shards[0].GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { "orphanCleanupDelaySecs", 1 } })["orphanCleanupDelaySecs"].AsInt32);
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        fixture.RunAdmin(new BsonDocument { { "split", "shop.orders" }, { "middle", new BsonDocument("customer", 50) } });
        var orders = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        orders.InsertMany(Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "customer", i * 10 } }));

        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 70) }, { "to", "shard1" } });

        // The donor still holds [50, MaxKey): orphans, with the range deleter's task; no delete entry yet.
        Assert.Equal(10, fixture.OnShard(0, "shop", "orders").Count);
        Assert.Equal(5, fixture.OnShard(1, "shop", "orders").Count);
        Assert.Empty(fixture.OperationsOf(0, "shop.orders", "d"));
        var task = fixture.Shards[0].GetDatabase("config").GetCollection<BsonDocument>("rangeDeletions").Find(new BsonDocument()).Single();
        Assert.Equal("shop.orders", task["nss"].AsString);
        Assert.Equal("shard0", task["donorShardId"].AsString);
        Assert.Equal("delayed", task["whenToClean"].AsString);
        Assert.Equal(new BsonDocument { { "min", new BsonDocument("customer", 50) }, { "max", new BsonDocument("customer", BsonMaxKey.Value) } }, task["range"]);
        Assert.Equal(5L, task["numOrphanDocs"].ToInt64());
        // Versioned reads filter orphans out; a count without a predicate counts what the shards hold.
        Assert.Equal(Enumerable.Range(0, 10), orders.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal(10, orders.CountDocuments(new BsonDocument()));
        Assert.Equal(5, orders.CountDocuments(new BsonDocument("customer", new BsonDocument("$gte", 50))));
        Assert.Equal(15, fixture.Mongos.GetDatabase("shop").RunCommand<BsonDocument>(new BsonDocument("count", "orders"))["n"].ToInt64());

        // The delay changes at runtime and applies to the next migration: its range goes soon after, with fromMigrate deletes.
        var set = fixture.Shards[0].GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { "orphanCleanupDelaySecs", 1 } });
        Assert.Equal(900, set["was"].AsInt32);
        fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 0) }, { "to", "shard1" } });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (fixture.OnShard(0, "shop", "orders").Count > 5 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal([5, 6, 7, 8, 9], fixture.OnShard(0, "shop", "orders").Select(d => d["_id"].AsInt32)); // the first range's task waits on
        var deletes = fixture.OperationsOf(0, "shop.orders", "d");
        Assert.Equal([0, 1, 2, 3, 4], deletes.Select(e => e["o"]["_id"].AsInt32));
        Assert.All(deletes, e => Assert.True(e["fromMigrate"].AsBoolean));
        Assert.Equal(1, fixture.Shards[0].GetDatabase("config").GetCollection<BsonDocument>("rangeDeletions").CountDocuments(new BsonDocument()));
        Assert.Equal(10, orders.CountDocuments(new BsonDocument()));
    }

    [InMemoryFact(Reason)]
    public void MoveChunk_names_what_is_wrong()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("customer", 1));
        Assert.Equal(20, Assert.Throws<MongoCommandException>(() =>
            fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 1) }, { "to", "shard0" } })).Code);
        Assert.Equal(70, Assert.Throws<MongoCommandException>(() =>
            fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.orders" }, { "find", new BsonDocument("customer", 1) }, { "to", "shard9" } })).Code);
        Assert.Equal(26, Assert.Throws<MongoCommandException>(() =>
            fixture.RunAdmin(new BsonDocument { { "moveChunk", "shop.other" }, { "find", new BsonDocument("customer", 1) }, { "to", "shard1" } })).Code);
    }
}
