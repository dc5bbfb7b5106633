using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// -Resume fills in a target only when what it already holds is the snapshot's: a resume of the same snapshot after an
/// interruption finishes it; a target holding another version of a document, or documents the snapshot or dump does not
/// hold, fails that namespace with TargetNotEmpty naming it and saying -Drop, and nothing in it is dropped.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ResumeCheckTests(MongoServerFixture server) : IDisposable
{
    private const int Documents = 2000;
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Resuming_the_same_snapshot_after_an_interruption_finishes_it()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = await InterruptedRestoreAsync(repository, id, database);

        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(observer, new RepositorySnapshot(repository, id), "", database, target);

        Assert.True(outcome.Succeeded, string.Join("; ", observer.Failures.Select(f => f.Error.Message)));
        Assert.Equal(Documents, outcome.Namespaces.Single().Documents);
        Assert.Equal(await AllAsync(database), await AllAsync(target));
    }

    [Fact]
    public async Task A_target_holding_documents_the_snapshot_does_not_hold_is_refused_with_minus_Drop()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("resume_x");
        Assert.True((await RestoreAsync(new RecordingObserver(), new RepositorySnapshot(repository, id), "", database, target, resume: false)).Succeeded);
        // Every document the snapshot holds is there as it was, and one more the snapshot never had.
        await Items(target).InsertOneAsync(new BsonDocument { { "_id", Documents + 7 }, { "v", 1 } });

        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(observer, new RepositorySnapshot(repository, id), "", database, target);

        Assert.False(outcome.Succeeded);
        AssertRefused(observer, target, $"holds {Documents + 1:N0} documents");
        Assert.Equal(Documents + 1, await Items(target).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_resume_from_a_stock_dump_folder_compares_the_documents_already_there_too()
    {
        var database = TestDatabases.NewName("resume_d");
        var dump = Path.Combine(_folder.Path, "dump");
        Directory.CreateDirectory(Path.Combine(dump, database));
        await using (var file = File.Create(Path.Combine(dump, database, "items.bson")))
            foreach (var i in Enumerable.Range(0, Documents))
                file.Write(new BsonDocument { { "_id", i }, { "v", 2 } }.ToBson());
        var target = TestDatabases.NewName("resume_dr");
        // What another dump's interrupted restore left: older versions of the first documents.
        await Items(target).InsertManyAsync(Enumerable.Range(0, 500).Select(i => new BsonDocument { { "_id", i }, { "v", 1 } }));

        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(observer, null, dump, database, target);

        Assert.False(outcome.Succeeded);
        AssertRefused(observer, target, "differ from the snapshot's");
        Assert.Equal(500, await Items(target).CountDocumentsAsync(new BsonDocument("v", 1)));
    }

    private static void AssertRefused(RecordingObserver observer, string target, string what)
    {
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.TargetNotEmpty, error.ErrorId);
        Assert.Contains($"{target}.items", error.Message);
        Assert.Contains(what, error.Message);
        Assert.Contains("-Drop", error.Message);
    }

    private async Task<(string Database, FolderRepository Repository, string Id)> SnapshotAsync()
    {
        var database = TestDatabases.NewName("resume_s");
        await Items(database).InsertManyAsync(Enumerable.Range(0, Documents).Select(i => new BsonDocument { { "_id", i }, { "v", 1 }, { "w", i * 2 } }));
        var repository = new FolderRepository(_folder.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        return (database, repository, manifest.Id);
    }

    /// <summary>A whole restore cut to its first half: what a restore stopped half-way leaves.</summary>
    private async Task<string> InterruptedRestoreAsync(FolderRepository repository, string id, string database)
    {
        var target = TestDatabases.NewName("resume_r");
        Assert.True((await RestoreAsync(new RecordingObserver(), new RepositorySnapshot(repository, id), "", database, target, resume: false)).Succeeded);
        await Items(target).DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$gte", Documents / 2)));
        return target;
    }

    private Task<RestoreOutcome> RestoreAsync(RecordingObserver observer, RepositorySnapshot? snapshot, string path, string database, string target, bool resume = true) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = snapshot, SourcePath = path, Resume = resume,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

    private IMongoCollection<BsonDocument> Items(string database) => server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");

    private async Task<List<BsonDocument>> AllAsync(string database) =>
        await Items(database).Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
}
