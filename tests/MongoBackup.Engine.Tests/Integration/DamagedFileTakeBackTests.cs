using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// What a restore takes back when a file turns out damaged at its end (each stored byte is read once, so the check
/// comes after the documents went in): only what it wrote, never what the target held before, and never users or
/// roles from a damaged file.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DamagedFileTakeBackTests(MongoServerFixture server) : IDisposable
{
    private const int Items = VerificationSnapshots.Items;
    private readonly VerificationSnapshots _snapshots = new(server);

    [Fact]
    public async Task An_empty_collection_kept_as_the_target_is_emptied_again_and_keeps_its_options()
    {
        var (database, repository, manifest) = await _snapshots.BackUpWithItemsChangedAsync();
        var target = TestDatabases.NewName("kept_r");
        // An option of its own that changes nothing the backup's collection does (one that did would refuse the target:
        // ExistingTargetTests), so the restore fills it.
        var engine = new BsonDocument("wiredTiger", new BsonDocument("configString", "block_compressor=zstd"));
        await server.Client.GetDatabase(target).RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "items" }, { "storageEngine", engine } });
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(repository, manifest.Id, database, target, observer, resume: false);

        Assert.False(outcome.Succeeded);
        Assert.Equal(ErrorIds.CorruptFile, Assert.Single(observer.Failures).Error.ErrorId);
        var items = await OptionsAsync(target, "items");
        Assert.NotNull(items);
        Assert.Equal(engine, items!["storageEngine"].AsBsonDocument);
        Assert.Equal(0, await CountAsync(target, "items"));
        Assert.Equal(Items / 3, await CountAsync(target, "others"));
    }

    [Fact]
    public async Task Resuming_into_a_target_that_held_documents_leaves_them_and_says_so()
    {
        var (database, repository, manifest) = await _snapshots.BackUpAsync(Compression.None);
        var target = TestDatabases.NewName("resume_r");
        // An interrupted restore of the snapshot left its first 100 items; then the file is found damaged past them.
        await InterruptedRestore.RunAsync(Request(repository, manifest.Id, database, target, resume: false), $"{database}.items");
        var items = server.Client.GetDatabase(target).GetCollection<BsonDocument>("items");
        var held = await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).Limit(100).ToListAsync();
        await items.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$gt", held[^1]["_id"])));
        VerificationSnapshots.ChangeOneCharacter(repository, manifest.Id, $"{database}/items.bson", "item 1500 ", inTheMiddle: true);
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(repository, manifest.Id, database, target, observer, resume: true);

        Assert.False(outcome.Succeeded);
        Assert.Contains($"{database}/items.bson", Assert.Single(observer.Failures).Error.Message);
        Assert.Contains(observer.Warnings, w => w.Contains($"{target}.items", StringComparison.Ordinal) && w.Contains("-Resume", StringComparison.Ordinal));
        var ids = await items.Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(held.Select(h => h["_id"]))))).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(held, ids);
        Assert.Equal(Items / 3, await CountAsync(target, "others"));
    }

    [Fact]
    public async Task No_user_from_a_damaged_users_file_reaches_the_server()
    {
        var user = $"u{Guid.NewGuid():N}"[..12];
        var (database, repository, manifest) = await _snapshots.BackUpAsync(Compression.None, user);
        Assert.Contains(manifest.Files, f => f.Path == "admin/system.users.bson");
        await server.Client.GetDatabase(database).RunCommandAsync<BsonDocument>(new BsonDocument("dropUser", user));
        // The user's name changes by one letter: applied, it would create a user nobody backed up.
        VerificationSnapshots.ChangeOneCharacter(repository, manifest.Id, "admin/system.users.bson", user);
        var observer = new RecordingObserver();

        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = _snapshots.Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), IncludeUsersAndRoles = true,
            Drop = false, Map = new NamespaceMap().AddDatabaseRename(database, TestDatabases.NewName("users_r")), NoOplogReplay = true,
        }, CancellationToken.None);

        Assert.Contains("admin/system.users.bson", outcome.UsersAndRolesError);
        Assert.Equal(0, outcome.UsersRestored);
        var users = await server.Client.GetDatabase(database).RunCommandAsync<BsonDocument>(new BsonDocument("usersInfo", 1));
        Assert.Empty(users["users"].AsBsonArray);
    }

    private Task<RestoreOutcome> RestoreAsync(ISnapshotRepository repository, string id, string database, string target, RecordingObserver observer, bool resume) =>
        new RestoreRunner(observer).RunAsync(Request(repository, id, database, target, resume), CancellationToken.None);

    private RestoreRequest Request(ISnapshotRepository repository, string id, string database, string target, bool resume) => new()
    {
        Connection = _snapshots.Connection, Snapshot = new RepositorySnapshot(repository, id), Resume = resume,
        Map = new NamespaceMap().AddDatabaseRename(database, target), NoOplogReplay = true,
    };

    private Task<long> CountAsync(string database, string collection) =>
        server.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);

    private async Task<BsonDocument?> OptionsAsync(string database, string collection)
    {
        var options = new ListCollectionsOptions { Filter = new BsonDocument("name", collection) };
        using var cursor = await server.Client.GetDatabase(database).ListCollectionsAsync(options);
        return (await cursor.FirstOrDefaultAsync())?["options"].AsBsonDocument;
    }

    public void Dispose() => _snapshots.Dispose();
}
