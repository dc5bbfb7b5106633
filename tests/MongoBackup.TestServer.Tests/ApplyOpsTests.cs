using MongoBackup.TestServer.Tests.Support;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// applyOps replays the real oplogs mongodump wrote (mongo-tools fixtures) over their dumps, sent as mongorestore --oplogReplay
/// sends them (<see cref="MongorestoreReplay"/>: without the source's collection UUIDs, index builds as createIndexes,
/// transactions gathered to their commit). What applyOps refuses of the raw forms is in <see cref="ApplyOpsRefusalTests"/>.
/// Runs against MONGOBACKUP_TEST_URI when set: the fixtures' databases are moved to databases of the test's own.
/// </summary>
public class ApplyOpsTests : ServerTestBase
{
    private readonly Dictionary<string, string> _moved = new(StringComparer.Ordinal);

    /// <summary>
    /// The test's own database standing for a fixture's database (admin, config and local stay themselves), until the
    /// next restore or replay of fixtures starts afresh.
    /// </summary>
    private string Db(string fixtureDatabase) => fixtureDatabase is "admin" or "config" or "local" ? fixtureDatabase
        : _moved.TryGetValue(fixtureDatabase, out var name) ? name : _moved[fixtureDatabase] = Target.NewDatabaseName(fixtureDatabase);

    private IEnumerable<BsonDocument> Moved(IEnumerable<BsonDocument> entries) => entries.Select(e => OplogNamespaces.Move(e, Db));

    public static IEnumerable<object[]> OplogFixtures() =>
        Directory.EnumerateFiles(FixturePaths.MongoTools, "oplog.bson", SearchOption.AllDirectories)
            .Select(path => new object[] { Path.GetRelativePath(FixturePaths.MongoTools, Path.GetDirectoryName(path)!).Replace('\\', '/') })
            .OrderBy(p => (string)p[0]);

    /// <summary>
    /// Restores the dump beside the oplog (its db/collection.bson files, each database moved to one of the test's own;
    /// every collection is created, as mongorestore creates them from their metadata), then replays the oplog as
    /// mongorestore does.
    /// </summary>
    private MongoClient RestoreWithOplog(string fixtureFolder)
    {
        _moved.Clear(); // each restore into databases of its own
        var client = Client;
        var folder = FixturePaths.Get(fixtureFolder);
        // This oplog writes to a collection it never creates and has no dump: mongo-tools' tests create it first, as
        // applyOps does not create the collection an insert names.
        if (fixtureFolder.EndsWith("dump_oplog_conflict")) client.GetDatabase(Db("test")).CreateCollection("data");
        foreach (var dbFolder in DumpedDatabases(folder))
        foreach (var file in Directory.EnumerateFiles(dbFolder, "*.bson"))
        {
            var db = client.GetDatabase(Db(Path.GetFileName(dbFolder)));
            var name = Path.GetFileNameWithoutExtension(file);
            db.CreateCollection(name);
            var documents = BsonFile.ReadAll(file);
            if (documents.Count > 0) db.GetCollection<BsonDocument>(name).InsertMany(documents);
        }
        new MongorestoreReplay(client).Apply(Moved(BsonFile.ReadAll(Path.Combine(folder, "oplog.bson"))));
        return client;
    }

    /// <summary>
    /// The dump's database folders but admin and config (system.version, tenant migrations): those are the server's own,
    /// and the replay needs none of them.
    /// </summary>
    private static IEnumerable<string> DumpedDatabases(string folder) =>
        Directory.EnumerateDirectories(folder).Where(d => Path.GetFileName(d) is not ("admin" or "config" or "local"));

    /// <summary>The documents of a fixture's collection, in the database the test moved it to.</summary>
    private List<BsonDocument> All(MongoClient client, string db, string collection) =>
        client.GetDatabase(Db(db)).GetCollection<BsonDocument>(collection).Find(new BsonDocument()).ToList();

    [Theory]
    [MemberData(nameof(OplogFixtures))]
    public void Every_fixture_oplog_applies(string fixtureFolder)
    {
        var client = RestoreWithOplog(fixtureFolder); // a refused entry throws
        var listed = client.ListDatabaseNames().ToList();
        foreach (var dumped in DumpedDatabases(FixturePaths.Get(fixtureFolder)).Where(d => Directory.EnumerateFiles(d, "*.bson").Any()))
            Assert.Contains(Db(Path.GetFileName(dumped)), listed);
    }

    [Fact]
    public void Fixture_oplogs_are_found()
    {
        Assert.True(OplogFixtures().Count() >= 8);
    }

    [Fact]
    public void Delete_then_insert_leaves_the_inserted_document()
    {
        var client = RestoreWithOplog("mongorestore/testdata/duplicate_index_key_with_oplog");
        Assert.Equal(new[] { new BsonDocument { { "_id", new ObjectId("60350ac1415a2fc63f3195ab") }, { "a", 1.0 } } }, All(client, "test", "foo"));
    }

    [Fact]
    public void Inserts_inside_a_transaction_applyOps_are_applied()
    {
        var client = RestoreWithOplog("mongorestore/testdata/oplogdump");
        var xs = All(client, "db1", "c1").Select(d => d["x"].ToInt32()).ToHashSet();
        foreach (var x in Enumerable.Range(1456, 5)) Assert.Contains(x, xs);
        Assert.Single(All(client, "db1", "c1"), d => d["_id"] == new ObjectId("5a1101e6a8feb0cc944981c9"));
    }

    [Fact]
    public void Created_collections_get_the_indexes_from_the_oplog()
    {
        var client = RestoreWithOplog("mongorestore/testdata/create_indexes");
        var indexes = client.GetDatabase(Db("create_indexes")).GetCollection<BsonDocument>("test").Indexes.List().ToList();
        Assert.Equal(new[] { "_id_", "a_1", "b_1" }, indexes.Select(i => i["name"].AsString));
        Assert.Equal(BsonDocument.Parse("{v: 2, key: {b: 1.0}, partialFilterExpression: {a: 1.0}, name: 'b_1'}"), indexes[2]);

        var tools2002 = RestoreWithOplog("mongorestore/testdata/tools-2002");
        Assert.Equal(BsonDocument.Parse("{a: 1.0, b: 1.0}"),
            tools2002.GetDatabase(Db("foo")).GetCollection<BsonDocument>("bar").Indexes.List().ToList()[1]["key"]);
    }

    [Fact]
    public void An_aborted_index_build_is_skipped_and_writes_nothing()
    {
        new MongorestoreReplay(Client).Apply(Moved(Captures.File("mongorestore/testdata/oplog_ignore_index/oplog.bson")));
        Assert.Empty(OplogOf(Db("test"))); // as mongorestore_test.go checks: "No new oplog entries should be recorded"
        Assert.DoesNotContain(Db("test"), Client.ListDatabaseNames().ToList());
    }

    [Fact]
    public void Old_style_entries_with_noops_apply()
    {
        var noop = RestoreWithOplog("mongorestore/testdata/dump_with_noop_in_oplog");
        Assert.Equal(new[] { new BsonDocument { { "_id", new ObjectId("5473b75c8e32da600b686ed7") }, { "a", 1.0 } } }, All(noop, "test", "data"));
        var conflict = RestoreWithOplog("mongorestore/testdata/dump_oplog_conflict");
        Assert.Equal(new[] { 10.0, 11.0, 12.0, 13.0, 14.0 }, All(conflict, "test", "data").Select(d => d["_id"].AsDouble));
    }

    [Fact]
    public void Time_series_bucket_diffs_apply_to_the_dumped_buckets()
    {
        var client = RestoreWithOplog("mongorestore/testdata/timeseries_tests/ts_dump_with_oplog");
        var buckets = client.GetDatabase(Db("timeseries_test")).GetCollection<BsonDocument>("system.buckets.foo_ts");
        var bucket = buckets.Find(new BsonDocument("_id", new ObjectId("60c7df2bf4549c58ea9377ec"))).Single();
        Assert.Equal(292, bucket["data"]["measurement"]["129"].ToInt32());
        // The oplog overlaps the dump (mongodump --oplog): re-inserting a column index that is already there overwrites it.
        // Each bucket must end with contiguous indexes 0..n-1, n being one past the highest index the dump or the oplog wrote.
        var expectedCounts = BsonFile.ReadAll(FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump_with_oplog/timeseries_test/system.buckets.foo_ts.bson"))
            .ToDictionary(b => b["_id"].AsObjectId, b => b["data"]["ts"].AsBsonDocument.Names.Max(int.Parse) + 1);
        foreach (var entry in BsonFile.ReadAll(FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump_with_oplog/oplog.bson")))
        {
            var id = entry["o2"]["_id"].AsObjectId;
            var inserted = entry["o"]["diff"]["sdata"]["sts"]["i"].AsBsonDocument.Names.Max(int.Parse) + 1;
            expectedCounts[id] = Math.Max(expectedCounts[id], inserted);
        }
        foreach (var restored in buckets.Find(new BsonDocument()).ToList())
        {
            var indexes = restored["data"]["ts"].AsBsonDocument.Names.Select(int.Parse).ToList();
            Assert.Equal(Enumerable.Range(0, expectedCounts[restored["_id"].AsObjectId]), indexes);
        }
    }

    public static IEnumerable<object[]> OplogEntryFiles() =>
        Directory.EnumerateFiles(FixturePaths.Get("mongorestore/testdata/oplogs/bson"), "*.bson")
            .Select(path => new object[] { Path.GetFileName(path) }).OrderBy(p => (string)p[0]);

    /// <summary>
    /// Replays mongorestore/testdata/oplogs/bson files in order as mongorestore sends them, over the collections their
    /// entries write to (as mongorestore's dump would have made them).
    /// </summary>
    private MongoClient ApplyEntryFiles(params string[] files)
    {
        _moved.Clear(); // each replay into databases of its own
        var client = Client;
        client.GetDatabase(Db("test")).CreateCollection("foo");
        client.GetDatabase(Db("mongodump_test_db")).CreateCollection("coll1");
        var replay = new MongorestoreReplay(client, bypassDocumentValidation: true);
        foreach (var file in files) replay.Apply(Moved(Captures.Oplog(Path.GetFileNameWithoutExtension(file))));
        return client;
    }

    [Theory]
    [MemberData(nameof(OplogEntryFiles))]
    public void Every_fixture_oplog_entry_file_applies_over_an_indexed_collection(string file)
    {
        ApplyEntryFiles("create_index.bson", file); // a refused entry throws
    }

    [Fact]
    public void Vectored_inserts_in_transactions_insert_every_document()
    {
        var client = ApplyEntryFiles("vectored_insert.bson", "linked_vectored_inserts.bson");
        Assert.Equal(new[] { 100, 200, 300, 400, 500, 600, 700 }, All(client, "mongodump_test_db", "coll1").Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public void CollMod_entries_change_index_options()
    {
        var hidden = ApplyEntryFiles("create_index.bson", "collMod_with_hidden.bson");
        var f1 = hidden.GetDatabase(Db("test")).GetCollection<BsonDocument>("foo").Indexes.List().ToList().Single(i => i["name"] == "f_1");
        Assert.Equal(BsonDocument.Parse("{v: 2, key: {f: 1.0}, name: 'f_1', expireAfterSeconds: NumberLong(3600), hidden: true}"), f1);

        var uniqueness = ApplyEntryFiles("collMod_indexUniqueness.bson");
        var indexes = uniqueness.GetDatabase(Db("mongodump_test_db")).GetCollection<BsonDocument>("coll1").Indexes.List().ToList()
            .ToDictionary(i => i["name"].AsString);
        Assert.All(indexes.Values, i => Assert.False(i.Contains("unique"))); // forceNonUnique came last for each
        Assert.True(indexes["b_1"]["hidden"].AsBoolean);
        Assert.Equal(100000, indexes["c_1"]["expireAfterSeconds"].ToInt32());
        Assert.True(indexes["d_1"]["hidden"].AsBoolean);
    }

    [Fact]
    public void Creating_a_buckets_collection_brings_back_its_time_series_collection()
    {
        var ts = Db("ts");
        Target.Admin.RunCommand<BsonDocument>(BsonDocument.Parse(
            "{applyOps: [{op: 'c', ns: '" + ts + ".$cmd', o: {create: 'system.buckets.weather', clusteredIndex: true, timeseries: {timeField: 't', granularity: 'seconds', bucketMaxSpanSeconds: 3600}}}]}"));
        var entry = Client.GetDatabase(ts).ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "weather") }).Single();
        Assert.Equal("timeseries", entry["type"].AsString);
        Assert.Equal("t", entry["options"]["timeseries"]["timeField"].AsString);
    }

    [Fact]
    public void Applied_entries_write_their_own_oplog_entries()
    {
        var admin = Target.Admin;
        var x = Db("x");
        admin.RunCommand<BsonDocument>(BsonDocument.Parse(
            "{applyOps: [{op: 'c', ns: 'x.$cmd', o: {create: 'y'}}, {op: 'i', ns: 'x.y', o: {_id: 1, v: 1}}, {op: 'u', ns: 'x.y', o2: {_id: 1}, o: {$v: 2, diff: {u: {v: 2}}}}]}".Replace("'x.", "'" + x + ".")));
        Assert.Equal(BsonDocument.Parse("{_id: 1, v: 2}"), All(Client, "x", "y").Single());
        var entries = OplogOf(x);
        Assert.Equal(new[] { "c", "i", "u" }, entries.Select(e => e["op"].AsString));
        var error = Assert.Throws<MongoCommandException>(() => admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "z" }, { "ns", x + ".y" }, { "o", new BsonDocument() } },
        })));
        Assert.Contains("unsupported oplog entry op 'z'", error.Message);
    }

    private BsonValue UuidOf(MongoClient client, string db, string collection) =>
        client.GetDatabase(Db(db)).ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", collection) }).Single()["info"]["uuid"];

    [Fact]
    public void An_applied_update_logs_the_diff_it_was_given()
    {
        var client = Client;
        var collection = client.GetDatabase(Db("replay")).GetCollection<BsonDocument>("c");
        collection.InsertOne(new BsonDocument { { "_id", 1 }, { "a", 1 }, { "b", "same" } });
        // The diff also sets b to the value it already has: a diff recomputed from the documents would leave b out.
        var diff = new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("u", new BsonDocument { { "a", 2 }, { "b", "same" } }) } };
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", Db("replay") + ".c" }, { "o", diff }, { "o2", new BsonDocument("_id", 1) } },
        }));

        Assert.Equal(new BsonDocument { { "_id", 1 }, { "a", 2 }, { "b", "same" } }, collection.Find(new BsonDocument()).Single());
        var entry = OplogOf(Db("replay"), new BsonDocument("op", "u")).Single();
        Assert.Equal(diff, entry["o"]);
        Assert.Equal(new BsonDocument("_id", 1), entry["o2"]);
        Assert.Equal(UuidOf(client, "replay", "c"), entry["ui"]);
    }

    [Fact]
    public void An_applied_replacement_logs_the_whole_new_document_with_its_id()
    {
        var client = Client;
        var collection = client.GetDatabase(Db("replay")).GetCollection<BsonDocument>("r");
        collection.InsertOne(new BsonDocument { { "_id", "k" }, { "old", true } });
        var replacement = new BsonDocument { { "fresh", new string('f', 400) }, { "n", 3 } };
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", Db("replay") + ".r" }, { "o", replacement }, { "o2", new BsonDocument("_id", "k") } },
        }));

        var expected = new BsonDocument("_id", "k").AddRange(replacement);
        Assert.Equal(expected, collection.Find(new BsonDocument()).Single());
        var entry = OplogOf(Db("replay"), new BsonDocument("op", "u")).Single();
        Assert.Equal(expected.ToBson(), entry["o"].AsBsonDocument.ToBson());
        Assert.Equal(new BsonDocument("_id", "k"), entry["o2"]);
    }
}
