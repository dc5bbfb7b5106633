using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A restore reads each stored byte of a snapshot once: data files are checked against their manifest as they are
/// restored, and a collection whose file turns out changed (its SHA-256 is known only at its end) is taken back, so
/// nothing of it stays. Every file is checked first only with -VerifyFirst, or before -Drop replaces collections: a
/// damaged file must never cost the user the collection it would have replaced.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class RestoreVerificationTests(MongoServerFixture server) : IDisposable
{
    private const int Items = VerificationSnapshots.Items;
    private readonly VerificationSnapshots _snapshots = new(server);

    private ConnectionSettings Connection => _snapshots.Connection;

    [Theory]
    [InlineData(Compression.None)]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task An_intact_snapshot_is_read_once(Compression compression)
    {
        var (database, repository, manifest) = await BackUpAsync(compression);
        var counting = new MeteredRepository(repository);
        var target = TestDatabases.NewName("once_r");

        var outcome = await RestoreAsync(counting, manifest.Id, database, target);

        Assert.True(outcome.Succeeded);
        Assert.Equal(Items, await CountAsync(target, "items"));
        Assert.All(manifest.Files, f => Assert.Equal(f.Size, counting.BytesRead.GetValueOrDefault($"{manifest.Id}/{f.Path}")));
        Assert.Equal(manifest.Files.Sum(f => f.Size), counting.BytesRead.Values.Sum());
    }

    [Fact]
    public async Task A_data_file_changed_in_its_middle_fails_its_collection_alone_and_leaves_nothing_of_it()
    {
        var (database, repository, manifest) = await BackUpWithItemsChangedAsync();
        var counting = new MeteredRepository(repository);
        var target = TestDatabases.NewName("changed_r");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(counting, manifest.Id, database, target, observer);

        Assert.False(outcome.Succeeded);
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"{manifest.Id}/{database}/items.bson", error.Message);
        Assert.Contains("SHA-256", error.Message);
        // Every one of its documents went in before the checksum could be known; none stays.
        Assert.DoesNotContain("items", await CollectionsAsync(target));
        Assert.Equal(Items / 3, await CountAsync(target, "others"));
        Assert.Equal(manifest.Files.Sum(f => f.Size), counting.BytesRead.Values.Sum());
    }

    [Fact]
    public async Task Verify_first_reads_the_files_before_writing_and_never_creates_the_damaged_collection()
    {
        var (database, repository, manifest) = await BackUpWithItemsChangedAsync();
        var counting = new MeteredRepository(repository);
        var target = TestDatabases.NewName("first_r");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(counting, manifest.Id, database, target, observer, verifyFirst: true);

        Assert.False(outcome.Succeeded);
        Assert.Contains($"{manifest.Id}/{database}/items.bson", Assert.Single(observer.Failures).Error.Message);
        Assert.DoesNotContain(observer.Verboses, v => v.Contains("were removed", StringComparison.Ordinal));
        Assert.DoesNotContain("items", await CollectionsAsync(target));
        Assert.Equal(Items / 3, await CountAsync(target, "others"));
        // The intact file is read twice: checked first, then restored.
        var others = manifest.Files.Single(f => f.Path == $"{database}/others.bson");
        Assert.Equal(2 * others.Size, counting.BytesRead[$"{manifest.Id}/{others.Path}"]);
    }

    [Fact]
    public async Task With_drop_a_damaged_file_is_found_before_the_collection_it_would_replace_is_dropped()
    {
        var (database, repository, manifest) = await BackUpWithItemsChangedAsync();
        var target = TestDatabases.NewName("drop_r");
        var kept = Enumerable.Range(0, 3).Select(i => new BsonDocument { { "_id", $"mine-{i}" } }).ToList();
        await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").InsertManyAsync(kept);
        var observer = new RecordingObserver();

        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Drop = true,
            Map = new NamespaceMap().AddDatabaseRename(database, target), NoOplogReplay = true,
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        Assert.Contains($"{database}/items.bson", Assert.Single(observer.Failures).Error.Message);
        var items = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(kept, items);
        Assert.Equal(Items / 3, await CountAsync(target, "others"));
    }

    private Task<(string Database, FolderRepository Repository, SnapshotManifest Manifest)> BackUpAsync(Compression compression) =>
        _snapshots.BackUpAsync(compression);

    private Task<(string Database, FolderRepository Repository, SnapshotManifest Manifest)> BackUpWithItemsChangedAsync() =>
        _snapshots.BackUpWithItemsChangedAsync();

    private Task<RestoreOutcome> RestoreAsync(ISnapshotRepository repository, string id, string database, string target,
        RecordingObserver? observer = null, bool? verifyFirst = null) =>
        new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, id), VerifyBeforeRestore = verifyFirst,
            Map = new NamespaceMap().AddDatabaseRename(database, target), NoOplogReplay = true,
        }, CancellationToken.None);

    private Task<long> CountAsync(string database, string collection) =>
        server.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);

    private async Task<List<string>> CollectionsAsync(string database) =>
        await (await server.Client.GetDatabase(database).ListCollectionNamesAsync()).ToListAsync();

    public void Dispose() => _snapshots.Dispose();
}
