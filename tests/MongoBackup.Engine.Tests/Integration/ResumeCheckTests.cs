using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// -Resume fills in a target only when what it already holds is the snapshot's: a resume of the same snapshot after an
/// interruption finishes it; a target holding documents no interrupted restore of this snapshot left (foreign data, or
/// a restore that ended) is refused before anything is written to it, saying what it held; one holding another version
/// of a document fails that namespace with TargetNotEmpty naming it and saying -Drop, and nothing in it is dropped.
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
        // Finished whole: its record is gone, and so is the collection that held it.
        Assert.DoesNotContain(RestoreRecords.Collection, await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task A_target_holding_documents_the_snapshot_does_not_hold_is_refused_before_anything_is_written()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("resume_x");
        // Foreign documents, whose _ids the snapshot does not use: no insert would be refused, so only a check before
        // writing keeps the snapshot's documents out of them.
        await Items(target).InsertManyAsync(Enumerable.Range(5001, 100).Select(i => new BsonDocument { { "_id", i }, { "foreign", true } }));
        var request = Request(new RepositorySnapshot(repository, id), "", database, target);

        var planned = await TargetCheck.CheckAsync(request, await RestoreRunner.PlanAsync(request, CancellationToken.None), CancellationToken.None);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        AssertRefused(observer, target, "it holds 100 documents, and no interrupted restore of snapshot");
        Assert.Contains("Nothing was written to it", Assert.Single(observer.Failures).Error.Message);
        Assert.Equal(Assert.Single(observer.Failures).Error.Message, Assert.Single(planned).Refusal?.Message);
        Assert.Equal(100, await Items(target).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(100, await Items(target).CountDocumentsAsync(new BsonDocument("foreign", true)));
    }

    [Fact]
    public async Task A_target_a_restore_filled_whole_and_changed_since_is_refused_before_anything_is_written()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("resume_y");
        Assert.True((await RestoreAsync(new RecordingObserver(), new RepositorySnapshot(repository, id), "", database, target, resume: false)).Succeeded);
        await Items(target).DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$gte", Documents / 2)));
        await Items(target).InsertOneAsync(new BsonDocument { { "_id", Documents + 7 }, { "v", 1 } });

        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(observer, new RepositorySnapshot(repository, id), "", database, target);

        Assert.False(outcome.Succeeded);
        AssertRefused(observer, target, $"it holds {Documents / 2 + 1:N0} documents");
        Assert.Equal(Documents / 2 + 1, await Items(target).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_resume_of_another_snapshot_than_the_interrupted_one_is_refused_before_anything_is_written()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = await InterruptedRestoreAsync(repository, id, database);
        await Items(database).InsertOneAsync(new BsonDocument { { "_id", Documents + 1 }, { "v", 1 } });
        var later = (await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None)).Id;

        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(observer, new RepositorySnapshot(repository, later), "", database, target);

        Assert.False(outcome.Succeeded);
        AssertRefused(observer, target, $"under the record of an interrupted restore of snapshot {id}, not of snapshot {later}");
        Assert.Equal(Documents / 2, await Items(target).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
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
        await InterruptedRestore.RunAsync(Request(null, dump, database, target) with { Resume = false });
        // Changed since the interruption: older versions of the first documents.
        await Items(target).UpdateManyAsync(new BsonDocument("_id", new BsonDocument("$lt", 500)), new BsonDocument("$set", new BsonDocument("v", 1)));

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

    /// <summary>A restore stopped once its documents were in, cut to their first half: what a restore stopped half-way leaves.</summary>
    private async Task<string> InterruptedRestoreAsync(FolderRepository repository, string id, string database)
    {
        var target = TestDatabases.NewName("resume_r");
        await InterruptedRestore.RunAsync(Request(new RepositorySnapshot(repository, id), "", database, target) with { Resume = false });
        await Items(target).DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$gte", Documents / 2)));
        return target;
    }

    private Task<RestoreOutcome> RestoreAsync(RecordingObserver observer, RepositorySnapshot? snapshot, string path, string database, string target, bool resume = true) =>
        new RestoreRunner(observer).RunAsync(Request(snapshot, path, database, target) with { Resume = resume }, CancellationToken.None);

    private RestoreRequest Request(RepositorySnapshot? snapshot, string path, string database, string target) => new()
    {
        Connection = Connection, Snapshot = snapshot, SourcePath = path, Resume = true,
        Map = new NamespaceMap().AddDatabaseRename(database, target),
    };

    private IMongoCollection<BsonDocument> Items(string database) => server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");

    private async Task<List<BsonDocument>> AllAsync(string database) =>
        await Items(database).Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
}
