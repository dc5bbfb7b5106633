using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Restore;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Dumps and archives written by MongoDB's own mongodump restore into the documents and indexes they hold;
/// the ones mongorestore rejects are rejected with the file named, and nothing claims success.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class MongoToolsFixtureRestoreTests(MongoServerFixture server)
{
    public static TheoryData<string> Dumps => new()
    {
        "mongorestore/testdata/foodump",
        "mongorestore/testdata/coll_with_index",
        "mongorestore/testdata/coll_without_index",
        "mongorestore/testdata/coll_with_ttl_index",
        "mongorestore/testdata/longindextestdump",
        "mongorestore/testdata/specialcharacter",
        "mongorestore/testdata/prelude_test/prelude_top_level",
        "mongorestore/testdata/prelude_test/prelude_gzip",
        "mongorestore/testdata/oplogdump",
        "mongorestore/testdata/test.bar.archive",
    };

    [Theory]
    [MemberData(nameof(Dumps))]
    public async Task A_mongodump_fixture_restores_every_document_and_index(string relative)
    {
        var path = FixturePaths.Get(relative);
        var prefix = TestDatabases.NewName("fx") + "_";
        var expected = await ExpectedAsync(path);

        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = path, NoOplogReplay = true,
            Map = new NamespaceMap().Add("*.*", prefix + "*.*"),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", observer.Failures.Select(f => f.Error.Message)));
        Assert.NotEmpty(expected);
        foreach (var (ns, (documents, indexes)) in expected)
        {
            var result = outcome.Namespaces.Single(n => n.SourceNamespace == ns);
            var dot = result.TargetNamespace.IndexOf('.');
            var collection = server.Client.GetDatabase(result.TargetNamespace[..dot]).GetCollection<BsonDocument>(result.TargetNamespace[(dot + 1)..]);
            Assert.Equal(documents, await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
            var restoredIndexes = await (await collection.Indexes.ListAsync()).ToListAsync();
            Assert.Equal(indexes.Order(), restoredIndexes.Select(i => i["name"].AsString).Where(n => n != "_id_").Order());
        }
    }

    /// <summary>
    /// indextestdump's index a_1_b_true has the pre-3.4 key {a: 1.0, b: true, c: Decimal128 0, d: ""}, which MongoDB 3.4+
    /// refuses (index_key_validate.cpp). mongorestore 100.11.0 fails on it unless told --convertLegacyIndexes (its own
    /// test, mongorestore_test.go "Creating index with invalid option should throw error", on this fixture): so does a
    /// restore here, never quietly without the index; the error names the key and the ascending key it stood for. Unlike
    /// mongorestore, which leaves the 100 documents without the index, the collection the restore created is dropped
    /// (IndexFailure: no collection stands restored without its indexes).
    /// </summary>
    [Fact]
    public async Task The_legacy_index_key_of_indextestdump_fails_its_namespace_as_mongorestore_fails_without_convertLegacyIndexes()
    {
        var prefix = TestDatabases.NewName("fx") + "_";
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = FixturePaths.Get("mongorestore/testdata/indextestdump"), NoOplogReplay = true,
            Map = new NamespaceMap().Add("*.*", prefix + "*.*"),
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.NamespaceRestoreFailed, error.ErrorId);
        Assert.Contains($"{prefix}indextest.test_collection was not restored: the server refused its indexes (a_1_b_true)", error.Message);
        Assert.Contains("(as ascending: { \"a\" : 1.0, \"b\" : 1, \"c\" : 1, \"d\" : 1 })", error.Message);
        Assert.Contains("with -ConvertLegacyIndexes", error.Message);
        Assert.Contains("mongorestore --convertLegacyIndexes", error.Message);
        Assert.DoesNotContain("test_collection", await (await server.Client.GetDatabase(prefix + "indextest").ListCollectionNamesAsync()).ToListAsync());
    }

    /// <summary>
    /// With -ConvertLegacyIndexes, indextestdump restores as mongorestore 100.11 --convertLegacyIndexes restores it
    /// (checked by hand against the test server: its listIndexes after stock mongorestore was exactly this): the 100
    /// documents, and a_1_b_true on {a: 1.0, b: 1, c: 1, d: 1} (true, Decimal128 0 and "" each int 1, the double 1.0
    /// kept), at the server's index version (2; the dump's v: 1 is not sent) and without the spec's "safe": true,
    /// which the server drops as an unknown option (ignoreUnknownIndexOptions).
    /// </summary>
    [Fact]
    public async Task With_ConvertLegacyIndexes_indextestdump_restores_its_index_as_mongorestore_convertLegacyIndexes_builds_it()
    {
        var prefix = TestDatabases.NewName("fx") + "_";
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = FixturePaths.Get("mongorestore/testdata/indextestdump"), NoOplogReplay = true, ConvertLegacyIndexes = true,
            Map = new NamespaceMap().Add("*.*", prefix + "*.*"),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", observer.Failures.Select(f => f.Error.Message)));
        var collection = server.Client.GetDatabase(prefix + "indextest").GetCollection<BsonDocument>("test_collection");
        Assert.Equal(100, await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var indexes = await (await collection.Indexes.ListAsync()).ToListAsync();
        var expected = BsonDocument.Parse("{v: 2, key: {a: 1.0, b: 1, c: 1, d: 1}, name: 'a_1_b_true'}");
        var built = Assert.Single(indexes, i => i["name"] == "a_1_b_true");
        Assert.Equal(expected, built);
        Assert.Equal(BsonType.Double, built["key"]["a"].BsonType);
        Assert.All(new[] { "b", "c", "d" }, f => Assert.Equal(BsonType.Int32, built["key"][f].BsonType));
        Assert.Equal(["_id_", "a_1_b_true"], indexes.Select(i => i["name"].AsString).Order());
        Assert.Equal($"{prefix}indextest.test_collection: " + "index a_1_b_true's key { \"a\" : 1.0, \"b\" : true, \"c\" : { \"$numberDecimal\" : \"0\" }, \"d\" : \"\" } converted to { \"a\" : 1.0, \"b\" : 1, \"c\" : 1, \"d\" : 1 } (-ConvertLegacyIndexes).", Assert.Single(observer.Verboses, v => v.Contains("a_1_b_true")));
    }

    [Fact]
    public async Task The_oplog_of_a_dump_replays_onto_its_renamed_namespace()
    {
        var path = FixturePaths.Get("mongorestore/testdata/oplogdump");
        var prefix = TestDatabases.NewName("op") + "_";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = path, Map = new NamespaceMap().Add("db1.*", prefix + "db1.*"),
            Filter = new NamespaceFilter(databases: ["db1"]),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError);
        var target = server.Client.GetDatabase(prefix + "db1").GetCollection<BsonDocument>("c1");

        // Expected: the dumped _ids, then the oplog's inserts and deletes on db1.c1 (also inside transactions), in order.
        var ids = new HashSet<string>();
        await foreach (var raw in ReadAll(Path.Combine(path, "db1", "c1.bson")))
            ids.Add(MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw)["_id"].ToJson());
        long applicable = 0;
        await foreach (var raw in ReadAll(Path.Combine(path, "oplog.bson")))
        {
            var entry = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw);
            var ops = entry["op"] == "c" && entry["o"].AsBsonDocument.Contains("applyOps")
                ? entry["o"]["applyOps"].AsBsonArray.Select(o => o.AsBsonDocument).ToList()
                : [entry];
            var mine = ops.Where(o => o["ns"] == "db1.c1").ToList();
            if (mine.Count > 0) applicable++;
            foreach (var op in mine)
            {
                if (op["op"] == "i") ids.Add(op["o"]["_id"].ToJson());
                if (op["op"] == "d") ids.Remove(op["o"]["_id"].ToJson());
            }
        }
        Assert.True(applicable > 0, "the fixture's oplog touches db1.c1");
        Assert.Equal(applicable, outcome.OplogEntriesApplied);
        var restored = (await target.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].ToJson());
        Assert.Equal(ids.Order(), restored.Order());
        Assert.DoesNotContain("db1", await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
    }

    /// <summary>
    /// The dump holds two documents with a: 1 (read while one was deleted and the other inserted) and a unique index on
    /// a; its oplog deletes the first. Built before the replay the index cannot exist; mongorestore builds indexes after
    /// the replay (TOOLS-2041), and so must this restore.
    /// </summary>
    [Fact]
    public async Task A_unique_index_a_hot_dump_violates_until_its_oplog_is_replayed_is_restored_with_the_right_documents()
    {
        var path = FixturePaths.Get("mongorestore/testdata/duplicate_index_key_with_oplog");
        var prefix = TestDatabases.NewName("dup") + "_";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = path, Map = new NamespaceMap().Add("*.*", prefix + "*.*"),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var foo = server.Client.GetDatabase(prefix + "test").GetCollection<BsonDocument>("foo");
        var documents = await foo.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var remaining = Assert.Single(documents);
        Assert.Equal(new BsonDocument { { "_id", new ObjectId("60350ac1415a2fc63f3195ab") }, { "a", 1.0 } }, remaining);
        var indexes = await (await foo.Indexes.ListAsync()).ToListAsync();
        var unique = Assert.Single(indexes, i => i["name"] == "a_1");
        Assert.True(unique["unique"].ToBoolean());
        Assert.Equal(new BsonDocument("a", 1.0), unique["key"]);
        Assert.Equal(1, outcome.Namespaces.Single(n => n.SourceNamespace == "test.foo").Indexes);
    }

    [Fact]
    public async Task A_bad_archive_fails_the_namespace_whose_metadata_is_broken_naming_the_file()
    {
        var path = FixturePaths.Get("mongorestore/testdata/bad-format.archive");
        var prefix = TestDatabases.NewName("bad") + "_";
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = path,
            Map = new NamespaceMap().Add("*.*", prefix + "*.*"),
        }, CancellationToken.None);
        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures, f => f.Namespace == prefix + "test.ixtest");
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains("bad-format.archive", failure.Error.Message);
        Assert.Contains("offset", failure.Error.Message);
        Assert.DoesNotContain(prefix + "test", await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
    }

    [Theory]
    [InlineData("bsondump/testdata/bad_cstring.bson")]
    [InlineData("bsondump/testdata/partial_file.bson")]
    [InlineData("bsondump/testdata/random_bytes.bson")]
    public async Task A_broken_bson_file_fails_its_namespace_naming_the_file_and_offset(string relative)
    {
        using var dump = new TempFolder();
        var db = TestDatabases.NewName("broken");
        Directory.CreateDirectory(Path.Combine(dump.Path, db));
        // Linked, not copied: the fixtures stay where they are.
        File.CreateSymbolicLink(Path.Combine(dump.Path, db, "broken.bson"), FixturePaths.Get(relative));

        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = dump.Path,
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains("broken.bson", failure.Error.Message);
        Assert.Contains("offset", failure.Error.Message);
        Assert.Contains("not fully restored", outcome.Namespaces.Single().Error);
    }

    /// <summary>What each namespace of the fixture holds, read with the dump reader: documents and index names.</summary>
    private static async Task<Dictionary<string, (long Documents, List<string> Indexes)>> ExpectedAsync(string path)
    {
        var expected = new Dictionary<string, (long, List<string>)>();
        await using var reader = DumpReaders.Open(path);
        var wanted = reader.Namespaces.Where(n => !n.Collection.StartsWith("system.") && n.Metadata?.IsView != true).ToList();
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        await reader.ReadAsync(wanted, async (ns, docs) =>
        {
            long count = 0;
            await foreach (var _ in docs) count++;
            counts[ns.Database + "." + ns.Collection] = count;
        }, 4, CancellationToken.None);
        foreach (var ns in wanted)
        {
            var indexes = (ns.Metadata?.Indexes ?? []).Select(i => i["name"].AsString).Where(n => n != "_id_").ToList();
            expected[ns.Database + "." + ns.Collection] = (counts.GetValueOrDefault(ns.Database + "." + ns.Collection), indexes);
        }
        return expected;
    }

    private static async IAsyncEnumerable<byte[]> ReadAll(string file)
    {
        using var reader = new BsonDocumentReader(File.OpenRead(file), file);
        while (reader.ReadNext() is { } document) yield return document;
        await Task.CompletedTask;
    }
}
