using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;
using static MongoBackup.Engine.Tests.Oplog.HandWrittenDump;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// -ConvertLegacyIndexes (mongorestore's --convertLegacyIndexes) over both places a restore takes index specs from: a
/// dump's metadata and its oplog's createIndexes entries (a point-in-time restore replays the same way, through the
/// same indexes built after the replay). A key converted onto another index's key is left out with a warning, as
/// mongorestore leaves it out; two indexes on one key that no conversion touched are both built.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ConvertLegacyIndexesTests(MongoServerFixture server) : IDisposable
{
    private const int Documents = 10;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Legacy_keys_in_the_metadata_and_in_an_oplog_createIndexes_are_built_ascending_and_a_converted_duplicate_is_left_out()
    {
        var (dump, database) = DumpWithLegacyKeys();
        var target = TestDatabases.NewName("conv_r");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(observer, dump, database, target, convert: true);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", observer.Failures.Select(f => f.Error.Message)));
        var items = server.Client.GetDatabase(target).GetCollection<BsonDocument>("items");
        Assert.Equal(Documents, await items.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var indexes = (await (await items.Indexes.ListAsync()).ToListAsync()).ToDictionary(i => i["name"].AsString);
        Assert.Equal(["_id_", "e_1", "f_0", "g_1", "g_1_fr", "h_null"], indexes.Keys.Order());
        Assert.Equal(BsonDocument.Parse("{e: 1}"), indexes["e_1"]["key"]);
        Assert.Equal(BsonDocument.Parse("{f: 1}"), indexes["f_0"]["key"]); // the oplog's {f: NumberLong(0)}
        Assert.Equal(BsonDocument.Parse("{h: 1}"), indexes["h_null"]["key"]);
        Assert.Equal(BsonDocument.Parse("{g: 1}"), indexes["g_1_fr"]["key"]);
        Assert.Equal("fr", indexes["g_1_fr"]["collation"]["locale"].AsString);
        var warning = Assert.Single(observer.Warnings, w => w.Contains("e_true"));
        Assert.Contains($"{target}.items: index e_true was not restored: converted by -ConvertLegacyIndexes, its key {{ \"e\" : 1 }} is that of index e_1", warning);
    }

    [Fact]
    public async Task Without_the_switch_the_namespace_fails_naming_the_switch()
    {
        var (dump, database) = DumpWithLegacyKeys();
        var target = TestDatabases.NewName("conv_n");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(observer, dump, database, target, convert: false);

        Assert.False(outcome.Succeeded);
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.NamespaceRestoreFailed, error.ErrorId);
        Assert.Contains("e_true has the key { \"e\" : true } (as ascending: { \"e\" : 1 })", error.Message);
        Assert.Contains("Restore it again with -ConvertLegacyIndexes", error.Message);
        Assert.DoesNotContain("items", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
    }

    /// <summary>
    /// items: 10 documents; its metadata lists e_1 {e: 1}, then e_true {e: true} (converted onto e_1's key), h_null
    /// {h: null}, and g_1 {g: 1} beside g_1_fr {g: 1} with a French collation (the same key, both as the source held
    /// them); its oplog creates f_0 {f: NumberLong(0)}, as a server before 3.4 logged an index build.
    /// </summary>
    private (string Dump, string Database) DumpWithLegacyKeys()
    {
        var database = TestDatabases.NewName("conv");
        var root = Path.Combine(_folder.Path, database);
        var folder = Path.Combine(root, database);
        Directory.CreateDirectory(folder);
        using (var file = File.Create(Path.Combine(folder, "items.bson")))
            foreach (var i in Enumerable.Range(0, Documents))
                file.Write(new BsonDocument { { "_id", i }, { "e", i }, { "f", i }, { "g", $"v{i}" }, { "h", i } }.ToBson());
        File.WriteAllText(Path.Combine(folder, "items.metadata.json"), """
            {"options":{},"indexes":[
              {"v":1,"key":{"_id":1},"name":"_id_"},
              {"v":1,"key":{"e":1},"name":"e_1"},
              {"v":1,"key":{"e":true},"name":"e_true"},
              {"v":1,"key":{"h":null},"name":"h_null"},
              {"v":2,"key":{"g":1},"name":"g_1"},
              {"v":2,"key":{"g":1},"name":"g_1_fr","collation":{"locale":"fr"}}],"collectionName":"items"}
            """);
        using (var oplog = File.Create(Path.Combine(root, "oplog.bson")))
            oplog.Write(Entry(1700000001, "c", database + ".$cmd",
                new BsonDocument { { "createIndexes", "items" }, { "v", 1 }, { "key", new BsonDocument("f", 0L) }, { "name", "f_0" } }).ToBson());
        return (root, database);
    }

    private Task<RestoreOutcome> RestoreAsync(RecordingObserver observer, string dump, string database, string target, bool convert) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = dump,
            Map = new NamespaceMap().AddDatabaseRename(database, target), ConvertLegacyIndexes = convert,
        }, CancellationToken.None);
}
