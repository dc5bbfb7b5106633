using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A namespace whose indexes the server refuses once its documents are in (here a dump whose unique index its own
/// documents break, which no check before writing can see): a collection the restore created is dropped, not left
/// standing without its unique index; one that existed before is left holding the documents, and the error says so and
/// which indexes were not built, and the result's final count includes them.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class IndexRefusedTests(MongoServerFixture server) : IDisposable
{
    private const int Documents = 10;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_collection_the_restore_created_is_dropped_when_its_unique_index_is_refused_and_the_error_says_so()
    {
        var (dump, database) = DumpWithABrokenUniqueIndex();
        var target = TestDatabases.NewName("idx_new");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(observer, dump, database, target);

        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.NamespaceRestoreFailed, error.ErrorId);
        Assert.Contains($"{target}.items was not restored: the server refused its indexes (k_unique)", error.Message);
        Assert.Contains($"dropped with the {Documents} documents restored into it", error.Message);
        Assert.DoesNotContain("items", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
        var items = Assert.Single(outcome.Namespaces);
        Assert.Equal(0, items.Documents);
        Assert.Null(items.FinalDocuments);
    }

    [Fact]
    public async Task A_collection_that_existed_before_keeps_the_documents_and_the_error_and_totals_say_what_it_holds()
    {
        var (dump, database) = DumpWithABrokenUniqueIndex();
        var target = TestDatabases.NewName("idx_kept");
        await server.Client.GetDatabase(target).CreateCollectionAsync("items");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(observer, dump, database, target);

        var (_, error) = Assert.Single(observer.Failures);
        Assert.Contains($"{target}.items was not restored: the server refused its indexes (k_unique)", error.Message);
        Assert.Contains($"It existed before this restore, so it was left holding the {Documents} documents restored into it, without these indexes", error.Message);
        var collection = server.Client.GetDatabase(target).GetCollection<BsonDocument>("items");
        Assert.Equal(Documents, await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(["_id_"], (await (await collection.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString));
        var items = Assert.Single(outcome.Namespaces);
        Assert.Equal(Documents, items.Documents);
        Assert.Equal(Documents, items.FinalDocuments);
    }

    /// <summary>
    /// A dump from a server before 3.4 whose metadata carries legacy index keys ({d: ""}, {e: true}: built as ascending
    /// then, refused by MongoDB 3.4 and later with CannotCreateIndex): the restore does not rewrite them unasked, as
    /// mongorestore does not without --convertLegacyIndexes; the namespace fails, never quietly without its index, and
    /// the error names each legacy key, the ascending key it stood for and what to do.
    /// </summary>
    [Theory]
    [InlineData("{\"d\":\"\"}", "Values in the index key pattern cannot be empty strings", "{ \"d\" : \"\" } (as ascending: { \"d\" : 1 })")]
    [InlineData("{\"e\":true}", "Values in v:2 index key pattern cannot be of type bool", "{ \"e\" : true } (as ascending: { \"e\" : 1 })")]
    public async Task A_legacy_index_key_in_a_dump_fails_its_namespace_naming_the_key_and_what_to_do(string key, string reason, string named)
    {
        var database = TestDatabases.NewName("idx_legacy");
        var folder = Path.Combine(_folder.Path, "legacy", database);
        Directory.CreateDirectory(folder);
        using (var file = File.Create(Path.Combine(folder, "items.bson")))
            foreach (var i in Enumerable.Range(0, Documents))
                file.Write(new BsonDocument { { "_id", i }, { "d", i } }.ToBson());
        File.WriteAllText(Path.Combine(folder, "items.metadata.json"),
            "{\"options\":{},\"indexes\":[{\"v\":1,\"key\":{\"_id\":1},\"name\":\"_id_\"},{\"v\":1,\"key\":" + key + ",\"name\":\"legacy\"}],\"collectionName\":\"items\"}");
        var target = TestDatabases.NewName("idx_legacy_r");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(observer, Path.Combine(_folder.Path, "legacy"), database, target);

        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.NamespaceRestoreFailed, error.ErrorId);
        Assert.Contains($"{target}.items was not restored: the server refused its indexes (legacy)", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Contains("legacy has the key " + named, error.Message);
        Assert.Contains("--convertLegacyIndexes", error.Message);
        Assert.Contains("-NoIndexRestore", error.Message);
        Assert.False(outcome.Succeeded);
    }

    /// <summary>
    /// A time-series collection's target holds buckets, each many measurements: the error says what it held or holds in
    /// both units, measurements as countDocuments counts them, never its buckets called documents (breaker8 finding 5).
    /// </summary>
    [Fact]
    public async Task A_time_series_collection_whose_index_is_refused_is_reported_by_its_measurements_and_buckets()
    {
        var (dump, database, buckets, measurements) = TimeseriesDumpWithAUniqueIndex();
        var created = TestDatabases.NewName("idx_ts_new");
        var kept = TestDatabases.NewName("idx_ts_kept");
        await server.Client.GetDatabase(kept).RunCommandAsync<BsonDocument>(BsonDocument.Parse("{create: 'foo_ts', timeseries: {timeField: 'ts', metaField: 'meta', granularity: 'seconds'}}"));
        var dropped = new RecordingObserver();
        var left = new RecordingObserver();

        await RestoreAsync(dropped, dump, database, created);
        var outcome = await RestoreAsync(left, dump, database, kept);

        var (_, droppedError) = Assert.Single(dropped.Failures);
        Assert.Contains($"{created}.foo_ts was not restored: the server refused its indexes (meta.device_1, ts_1_meta.device_1, u)", droppedError.Message);
        Assert.Contains($"dropped with the {measurements:N0} measurements (in {buckets} time-series buckets) restored into it", droppedError.Message);
        var (_, leftError) = Assert.Single(left.Failures);
        Assert.Contains($"so it was left holding the {measurements:N0} measurements (in {buckets} time-series buckets) restored into it", leftError.Message);
        Assert.Equal(measurements, await server.Client.GetDatabase(kept).GetCollection<BsonDocument>("foo_ts").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(measurements, Assert.Single(outcome.Namespaces).FinalDocuments);
    }

    /// <summary>
    /// mongo-tools' ts_dump (timeseries_test.foo_ts, its buckets as mongodump wrote them) in a dump folder of its own,
    /// its metadata given a unique index, which MongoDB refuses on a time-series collection; its buckets and the
    /// measurements they hold (one per time value of a bucket's data).
    /// </summary>
    private (string Dump, string Database, int Buckets, long Measurements) TimeseriesDumpWithAUniqueIndex()
    {
        var fixture = FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump/timeseries_test");
        var database = TestDatabases.NewName("idx_ts");
        var folder = Path.Combine(_folder.Path, "tsdump", database);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(fixture, "system.buckets.foo_ts.bson"), Path.Combine(folder, "system.buckets.foo_ts.bson"));
        var metadata = BsonDocument.Parse(File.ReadAllText(Path.Combine(fixture, "foo_ts.metadata.json")));
        metadata["indexes"].AsBsonArray.Add(BsonDocument.Parse("{v: 2, key: {measurement: 1}, name: 'u', unique: true}"));
        File.WriteAllText(Path.Combine(folder, "foo_ts.metadata.json"), metadata.ToJson(new MongoDB.Bson.IO.JsonWriterSettings { OutputMode = MongoDB.Bson.IO.JsonOutputMode.CanonicalExtendedJson }));
        var bytes = File.ReadAllBytes(Path.Combine(folder, "system.buckets.foo_ts.bson"));
        var (buckets, measurements) = (0, 0L);
        for (var at = 0; at < bytes.Length; at += BitConverter.ToInt32(bytes, at))
        {
            var bucket = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(bytes.AsSpan(at, BitConverter.ToInt32(bytes, at)).ToArray());
            buckets++;
            measurements += bucket["data"]["ts"].AsBsonDocument.ElementCount;
        }
        return (Path.Combine(_folder.Path, "tsdump"), database, buckets, measurements);
    }

    /// <summary>A stock dump folder whose items declare a unique index on k that their documents break (k repeats).</summary>
    private (string Dump, string Database) DumpWithABrokenUniqueIndex()
    {
        var database = TestDatabases.NewName("idx_s");
        var folder = Path.Combine(_folder.Path, "dump", database);
        Directory.CreateDirectory(folder);
        using (var file = File.Create(Path.Combine(folder, "items.bson")))
            foreach (var i in Enumerable.Range(0, Documents))
                file.Write(new BsonDocument { { "_id", i }, { "k", i % 3 } }.ToBson());
        File.WriteAllText(Path.Combine(folder, "items.metadata.json"),
            """{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"},{"v":2,"key":{"k":1},"name":"k_unique","unique":true}],"collectionName":"items","type":"collection"}""");
        return (Path.Combine(_folder.Path, "dump"), database);
    }

    private Task<RestoreOutcome> RestoreAsync(RecordingObserver observer, string dump, string database, string target) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = dump,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
}
