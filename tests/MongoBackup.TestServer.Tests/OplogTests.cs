using System.Diagnostics;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>The oplog's entries, order and reads; runs against MONGOBACKUP_TEST_URI when set, except where a server option is needed.</summary>
public class OplogTests : ServerTestBase
{
    [InMemoryFact("reads the whole oplog of a fresh server")]
    public void A_fresh_replica_set_s_oplog_starts_with_initiating_set_and_hello_names_its_last_write()
    {
        var client = Connect(StartServer());
        var first = Oplog(client).First();
        Assert.Equal(BsonDocument.Parse("{msg: 'initiating set'}"), first["o"]);
        Assert.Equal("n", first["op"].AsString);
        client.GetDatabase("app").GetCollection<BsonDocument>("items").InsertOne(new BsonDocument("_id", 1));

        var hello = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("hello", 1));
        var entries = Oplog(client);
        var timestamps = entries.Select(e => e["ts"].AsBsonTimestamp).ToList();
        Assert.True(timestamps.Zip(timestamps.Skip(1)).All(p => p.First.CompareTo(p.Second) < 0), "ts must be strictly increasing");
        // hello names the newest entry as of its reply; only the primary's periodic no-ops may have come after it.
        var lastWrite = hello["lastWrite"]["opTime"]["ts"].AsBsonTimestamp;
        Assert.Contains(lastWrite, timestamps);
        Assert.All(entries.Where(e => e["ts"].AsBsonTimestamp > lastWrite), e => Assert.Equal("periodic noop", e["o"]["msg"].AsString));
    }

    /// <summary>
    /// Breaker test (fails): since MongoDB 4.2 a rename across databases is logged as the copy mongod makes
    /// (src/mongo/db/catalog/rename_collection.cpp, renameBetweenDBs): a create of "tmpXXXXX.renameCollection" in the
    /// target database, an insert of each document into it, a renameCollection within the target database, and a drop
    /// of the source. The test server logs one renameCollection from one database to the other, the form of 4.0 and
    /// before, so the replays the engine tests (CollectionRename's "4.2+" rules, and a replay through a mongos, where
    /// this one entry is sent as a cross-database renameCollection the router then runs on the source's primary shard
    /// and the documents land where the target database is not routed) never meet what a 7.0 oplog holds.
    /// </summary>
    [Fact]
    public void Breaker_a_rename_across_databases_is_logged_as_a_copy_into_the_target_database_as_MongoDB_4_2_and_later_log_it()
    {
        var client = Client;
        var source = Database("from");
        var target = Target.NewDatabaseName("to");
        var from = source.DatabaseNamespace.DatabaseName;
        source.GetCollection<BsonDocument>("x").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "renameCollection", from + ".x" }, { "to", target + ".y" } });

        var inSource = OplogOf(from, new BsonDocument("op", "c"));
        var inTarget = OplogOf(target);
        try
        {
            Assert.DoesNotContain(inSource.Concat(inTarget), e => e["o"].AsBsonDocument.Contains("renameCollection")
                && e["o"]["renameCollection"].AsString.Split('.')[0] != e["o"]["to"].AsString.Split('.')[0]);
            var create = Assert.Single(inTarget, e => e["op"] == "c" && e["o"].AsBsonDocument.Contains("create"));
            var tmp = create["o"]["create"].AsString;
            Assert.Matches(@"^tmp.{5}\.renameCollection$", tmp);
            Assert.Equal([1, 2], inTarget.Where(e => e["op"] == "i" && e["ns"] == target + "." + tmp).Select(e => e["o"]["_id"].AsInt32));
            Assert.Single(inTarget, e => e["op"] == "c" && e["o"].AsBsonDocument.Contains("renameCollection")
                && e["o"]["renameCollection"] == target + "." + tmp && e["o"]["to"] == target + ".y");
            Assert.Single(inSource, e => e["o"].AsBsonDocument.Contains("drop") && e["o"]["drop"] == "x");
        }
        finally
        {
            client.DropDatabase(target);
        }
    }

    /// <summary>
    /// The copy of a rename across databases keeps the source's options and indexes (createIndexes on the empty copy, one
    /// entry each, before its inserts: createIndexesOnEmptyCollection), and a dropTarget replaces the target in the rename
    /// within the target database, naming the replaced collection's UUID as a rename within one database does.
    /// </summary>
    [Fact]
    public void A_rename_across_databases_copies_options_and_indexes_first_and_replaces_the_target_in_the_rename_within_it()
    {
        var client = Client;
        var source = Database("from");
        var target = Target.NewDatabaseName("to");
        var from = source.DatabaseNamespace.DatabaseName;
        source.CreateCollection("x", new CreateCollectionOptions<BsonDocument> { Validator = new BsonDocument("n", new BsonDocument("$type", "int")) });
        source.GetCollection<BsonDocument>("x").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("n", 1)));
        source.GetCollection<BsonDocument>("x").InsertOne(new BsonDocument { { "_id", 1 }, { "n", 5 } });
        client.GetDatabase(target).GetCollection<BsonDocument>("y").InsertOne(new BsonDocument("_id", "old"));
        try
        {
            client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "renameCollection", from + ".x" }, { "to", target + ".y" }, { "dropTarget", true } });

            var inTarget = OplogOf(target);
            var create = Assert.Single(inTarget, e => e["op"] == "c" && e["o"].AsBsonDocument.GetValue("create", "").AsString.StartsWith("tmp"));
            var tmp = create["o"]["create"].AsString;
            Assert.Equal(new BsonDocument("n", new BsonDocument("$type", "int")), create["o"]["validator"]);
            var order = inTarget.Where(e => e.GetValue("ns", "") == target + "." + tmp || e["o"].AsBsonDocument.GetValue("createIndexes", "") == tmp)
                .Select(e => e["op"] == "c" ? "index" : "insert").ToList();
            Assert.Equal(["index", "insert"], order);
            var rename = Assert.Single(inTarget, e => e["o"].AsBsonDocument.Contains("renameCollection"));
            Assert.Equal(target + "." + tmp, rename["o"]["renameCollection"].AsString);
            Assert.True(rename["o"]["dropTarget"].IsBsonBinaryData);
            Assert.False(rename["o"]["stayTemp"].AsBoolean);
            Assert.Equal([new BsonDocument { { "_id", 1 }, { "n", 5 } }], client.GetDatabase(target).GetCollection<BsonDocument>("y").Find(new BsonDocument()).ToList());
            Assert.Contains(client.GetDatabase(target).GetCollection<BsonDocument>("y").Indexes.List().ToList(), i => i["name"] == "n_1");
            Assert.DoesNotContain("x", source.ListCollectionNames().ToList());
        }
        finally
        {
            client.DropDatabase(target);
        }
    }

    [Fact]
    public void Every_write_kind_appends_an_entry_shaped_like_MongoDB_7_0()
    {
        var client = Client;
        var db = Database("shop");
        var shop = db.DatabaseNamespace.DatabaseName;
        db.CreateCollection("orders");
        var orders = db.GetCollection<BsonDocument>("orders");
        orders.InsertOne(BsonDocument.Parse("{_id: 1, item: 'pen', qty: 2, tags: ['a']}"));
        orders.UpdateOne(new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {qty: 3}, $unset: {tags: 1}}"));
        orders.ReplaceOne(new BsonDocument("_id", 1), BsonDocument.Parse("{item: 'ink'}"));
        orders.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("item", 1)));
        orders.Indexes.DropOne("item_1");
        orders.DeleteOne(new BsonDocument("_id", 1));
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "renameCollection", shop + ".orders" }, { "to", shop + ".archive" } });
        client.DropDatabase(shop);

        var entries = OplogOf(shop);
        var uuid = entries[0]["ui"];
        Assert.Equal(BsonBinarySubType.UuidStandard, uuid.AsBsonBinaryData.SubType);
        Assert.Equal(new[] { "c", "i", "u", "u", "c", "c", "c", "d", "c", "c", "c" }, entries.Select(e => e["op"].AsString));
        Assert.Equal(BsonDocument.Parse("{create: 'orders', idIndex: {v: 2, key: {_id: 1}, name: '_id_'}}"), entries[0]["o"]);
        Assert.Equal(shop + ".$cmd", entries[0]["ns"].AsString);
        Assert.Equal(BsonDocument.Parse("{_id: 1, item: 'pen', qty: 2, tags: ['a']}"), entries[1]["o"]);
        Assert.Equal(BsonDocument.Parse("{_id: 1}"), entries[1]["o2"]);
        Assert.Equal(BsonDocument.Parse("{$v: 2, diff: {d: {tags: false}, u: {qty: 3}}}"), entries[2]["o"]);
        Assert.Equal(BsonDocument.Parse("{_id: 1}"), entries[2]["o2"]);
        Assert.Equal(BsonDocument.Parse("{_id: 1, item: 'ink'}"), entries[3]["o"]);
        // The collection holds a document: the index is built in two phases (index_builds_coordinator.cpp).
        var build = entries[4]["o"]["indexBuildUUID"];
        Assert.Equal(BsonBinarySubType.UuidStandard, build.AsBsonBinaryData.SubType);
        Assert.Equal(new BsonDocument { { "startIndexBuild", "orders" }, { "indexBuildUUID", build }, { "indexes", BsonArray.Create(new[] { BsonDocument.Parse("{v: 2, key: {item: 1}, name: 'item_1'}") }) } }, entries[4]["o"]);
        Assert.Equal(new BsonDocument { { "commitIndexBuild", "orders" }, { "indexBuildUUID", build }, { "indexes", BsonArray.Create(new[] { BsonDocument.Parse("{v: 2, key: {item: 1}, name: 'item_1'}") }) } }, entries[5]["o"]);
        Assert.Equal(BsonDocument.Parse("{dropIndexes: 'orders', index: 'item_1'}"), entries[6]["o"]);
        Assert.Equal(BsonDocument.Parse("{_id: 1}"), entries[7]["o"]);
        Assert.Equal(new BsonDocument { { "renameCollection", shop + ".orders" }, { "to", shop + ".archive" }, { "stayTemp", false } }, entries[8]["o"]);
        Assert.Equal(BsonDocument.Parse("{drop: 'archive'}"), entries[9]["o"]);
        Assert.Equal(BsonDocument.Parse("{dropDatabase: 1}"), entries[10]["o"]);
        foreach (var entry in entries)
        {
            Assert.Equal(1L, entry["t"].AsInt64);
            Assert.Equal(2L, entry["v"].AsInt64);
            Assert.Equal(BsonType.DateTime, entry["wall"].BsonType);
            Assert.Equal(new[] { "ts", "t", "v", "wall" }, entry.Names.SkipWhile(n => n != "ts").Take(4));
        }
        var timestamps = entries.Select(e => e["ts"].AsBsonTimestamp).ToList();
        Assert.True(timestamps.Zip(timestamps.Skip(1)).All(p => p.First.CompareTo(p.Second) < 0), "ts must be strictly increasing");
    }

    [Fact]
    public void Oplog_reads_by_ts_range_and_natural_order()
    {
        var items = Database("app").GetCollection<BsonDocument>("items");
        foreach (var i in Enumerable.Range(0, 20)) items.InsertOne(new BsonDocument("_id", i)); // one entry each
        var oplog = Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var ns = items.CollectionNamespace.FullName; // other writers may share a real server: its entries only
        BsonDocument Of(BsonDocument filter) => new BsonDocument("ns", ns).AddRange(filter);
        var all = oplog.Find(Of(new BsonDocument())).ToList();
        Assert.Equal(20, all.Count);
        var middle = all[10]["ts"];
        var after = oplog.Find(Of(new BsonDocument("ts", new BsonDocument("$gt", middle)))).ToList();
        Assert.Equal(all.Skip(11).Select(e => e["ts"]), after.Select(e => e["ts"]));
        var newest = oplog.Find(Of(new BsonDocument())).Sort(new BsonDocument("$natural", -1)).Limit(1).Single();
        Assert.Equal(all.Last()["ts"], newest["ts"]);
        var range = oplog.Find(Of(new BsonDocument("ts", new BsonDocument { { "$gte", all[3]["ts"] }, { "$lte", all[5]["ts"] } }))).ToList();
        Assert.Equal(3, range.Count);
    }

    [Fact]
    public async Task Tailable_await_cursor_receives_a_later_insert()
    {
        var late = Database("app").GetCollection<BsonDocument>("late");
        var oplog = Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var last = Target.LastOplogTimestamp();
        var options = new FindOptions<BsonDocument> { CursorType = CursorType.TailableAwait, MaxAwaitTime = TimeSpan.FromMilliseconds(300) };
        // Only this test's entries: other writers may share a real server.
        var filter = new BsonDocument { { "ts", new BsonDocument("$gt", last) }, { "ns", late.CollectionNamespace.FullName } };
        using var cursor = await oplog.FindAsync(filter, options);
        Assert.True(await cursor.MoveNextAsync());
        Assert.Empty(cursor.Current); // nothing new yet: an empty batch, the cursor stays open

        var writer = Task.Run(async () =>
        {
            await Task.Delay(200);
            late.InsertOne(new BsonDocument("_id", "late"));
        });
        var received = new List<BsonDocument>();
        var clock = Stopwatch.StartNew();
        while (received.All(e => e["op"] != "i") && clock.Elapsed < TimeSpan.FromSeconds(10) && await cursor.MoveNextAsync())
            received.AddRange(cursor.Current);
        await writer;
        var insert = received.Single(e => e["op"] == "i");
        Assert.Equal(late.CollectionNamespace.FullName, insert["ns"].AsString);
        Assert.Equal(new BsonDocument("_id", "late"), insert["o"]);
    }

    [InMemoryFact("a 1 MB oplog (--oplogSizeMB 1)")]
    public void Oplog_drops_its_oldest_entries_past_its_size()
    {
        var client = Connect(StartServer(oplogSizeMB: 1));
        var blobs = client.GetDatabase("app").GetCollection<BsonDocument>("blobs");
        var payload = new BsonBinaryData(new byte[10_000]);
        for (var i = 0; i < 300; i++) blobs.InsertOne(new BsonDocument { { "_id", i }, { "data", payload } });
        var entries = Oplog(client);
        var bytes = entries.Sum(e => e.ToBson().Length);
        Assert.True(bytes <= 1024 * 1024, $"oplog holds {bytes} bytes");
        Assert.DoesNotContain(entries, e => e["op"] == "n"); // the first entry fell off
        Assert.Equal(299, entries.Last()["o"]["_id"].AsInt32);
        Assert.Equal(300, blobs.CountDocuments(new BsonDocument()));
        var fromBeforeTheOldest = client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument("ts", new BsonDocument("$gte", new BsonTimestamp(1, 0)))).ToList();
        Assert.Equal(entries.Select(e => e["ts"]), fromBeforeTheOldest.Select(e => e["ts"]));
    }

    [InMemoryFact("a 1 MB oplog (--oplogSizeMB 1)")]
    public void Tailing_cursor_that_the_oplog_rolled_past_fails_with_CappedPositionLost()
    {
        var client = Connect(StartServer(oplogSizeMB: 1));
        var oplog = client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        using var cursor = oplog.Find(new BsonDocument(), new FindOptions { CursorType = CursorType.Tailable, BatchSize = 1 }).ToCursor();
        Assert.True(cursor.MoveNext());
        var blobs = client.GetDatabase("app").GetCollection<BsonDocument>("blobs");
        for (var i = 0; i < 150; i++) blobs.InsertOne(new BsonDocument { { "_id", i }, { "data", new BsonBinaryData(new byte[10_000]) } });
        var error = Assert.Throws<MongoCommandException>(() => cursor.MoveNext());
        Assert.Equal(136, error.Code);
    }

    [Fact]
    public void Writes_to_the_local_database_are_not_replicated()
    {
        var scratch = Target.NewDatabaseName("scratch"); // a collection name of this test's own in local
        var local = Client.GetDatabase("local");
        local.GetCollection<BsonDocument>(scratch).InsertOne(new BsonDocument("_id", 1));
        local.DropCollection(scratch);
        Assert.Empty(Target.OplogSince(new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("ns", "local." + scratch), new BsonDocument("o.drop", scratch), new BsonDocument("o.create", scratch),
        })));
    }

    [InMemoryFact("a standalone server")]
    public void Standalone_writes_no_oplog()
    {
        var client = Connect(StartServer(replicaSet: null));
        client.GetDatabase("app").GetCollection<BsonDocument>("x").InsertOne(new BsonDocument("_id", 1));
        Assert.DoesNotContain("local", client.ListDatabaseNames().ToList());
    }
}
