using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
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
