using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// -Resume finishes an interrupted restore by keeping every document already in the target. The help's own example
/// restores `Get-MongoSnapshot -Latest | Restore-MongoDatabase`, and re-running "the same command" after the hourly job
/// took a newer snapshot resumes from that one: the documents the first run wrote (older versions, and documents the
/// newer snapshot no longer holds) stay, the rest come from the newer snapshot, and the restore reports success with the
/// newer manifest's count. The target then matches neither snapshot. A resume from another snapshot than the one that
/// filled the target must be refused, or end with the target equal to the snapshot it names.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ResumeFromAnotherSnapshotTests(MongoServerFixture server) : IDisposable
{
    private const int Documents = 2000;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Resuming_with_a_newer_snapshot_does_not_leave_a_target_that_matches_neither()
    {
        var database = TestDatabases.NewName("resume_src");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, Documents).Select(i => new BsonDocument { { "_id", i }, { "v", 1 } }));
        var repository = new FolderRepository(_folder.Path);
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var older = await BackUpAsync(connection, repository, database);
        // An hour of the application's writes: every document changed, a hundred deleted, a hundred added.
        await items.UpdateManyAsync(FilterDefinition<BsonDocument>.Empty, new BsonDocument("$set", new BsonDocument("v", 2)));
        await items.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$lt", 100)));
        await items.InsertManyAsync(Enumerable.Range(Documents, 100).Select(i => new BsonDocument { { "_id", i }, { "v", 2 } }));
        var newer = await BackUpAsync(connection, repository, database);

        // The first run, from the older snapshot, stopped half-way: the documents it had inserted are _id 0..999.
        var target = TestDatabases.NewName("resume_r");
        Assert.True((await RestoreAsync(connection, repository, older.Id, database, target, resume: false)).Succeeded);
        var restored = server.Client.GetDatabase(target).GetCollection<BsonDocument>("items");
        await restored.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$gte", Documents / 2)));

        RestoreOutcome? outcome = null;
        try { outcome = await RestoreAsync(connection, repository, newer.Id, database, target, resume: true); }
        catch (MongoBackupException) { return; /* refused: a right answer */ }

        if (!outcome.Succeeded) return; // refused per namespace: a right answer
        var expected = await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        var actual = await restored.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        var stale = actual.Count(d => d["v"] == 1);
        Assert.True(expected.SequenceEqual(actual),
            $"the resume from snapshot {newer.Id} reported success, but the target holds {actual.Count} documents where that snapshot holds {expected.Count}, " +
            $"{stale} of them as snapshot {older.Id} had them");
    }

    private static Task<SnapshotManifest> BackUpAsync(ConnectionSettings connection, ISnapshotRepository repository, string database) =>
        new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

    private static Task<RestoreOutcome> RestoreAsync(ConnectionSettings connection, ISnapshotRepository repository, string id, string database, string target,
        bool resume) =>
        new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = connection, Snapshot = new RepositorySnapshot(repository, id), Resume = resume,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
}
