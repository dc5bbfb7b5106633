using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Security;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The catalog (every manifest of a repository) is listed at most once per command, and a snapshot named by its exact
/// id is read directly: on an object store each listing reads every manifest, so a repository of thousands of
/// snapshots must not be listed four times to restore one of them.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class CatalogListingTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_point_in_time_restore_lists_the_catalog_once()
    {
        var database = TestDatabases.NewName("list_pit");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument("_id", i)));
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        await BackUpAsync(repository, database);
        using var session = await server.Client.StartSessionAsync();
        await items.InsertOneAsync(session, new BsonDocument("_id", 100));
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        await SliceAsync(repository);
        await items.InsertOneAsync(new BsonDocument("_id", 200));
        await SliceAsync(repository);

        repository.Reset();
        var target = TestDatabases.NewName("list_pitr");
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        Assert.Equal(51, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(1, repository.Lists);
    }

    [Fact]
    public async Task Each_policy_run_lists_the_catalog_once_whatever_it_does()
    {
        var database = TestDatabases.NewName("list_policy");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // A passphrase without repository settings: the salt is found among the snapshots already there.
        var request = new BackupPolicyRequest
        {
            Connection = Connection, Repository = repository, FullEvery = TimeSpan.FromMinutes(1),
            Filter = new NamespaceFilter(databases: [database]), Retention = new RetentionRules { KeepLast = 1 },
            Encryption = EncryptionKeySource.FromPassphrase(SecureText.Of("policy passphrase")),
        };
        var runner = new BackupPolicyRunner(new RecordingObserver(), clock);

        var lists = new List<(PolicyAction, int)>();
        async Task<BackupPolicyResult> Run()
        {
            repository.Reset();
            var result = await runner.RunAsync(request, CancellationToken.None);
            lists.Add((result.Action, repository.Lists));
            return result;
        }

        var first = await Run();
        await items.InsertOneAsync(new BsonDocument("_id", 100));
        var slice = await Run();
        clock.Advance(TimeSpan.FromMinutes(2));
        var second = await Run();

        Assert.Equal([PolicyAction.Full, PolicyAction.Slice, PolicyAction.Full], new[] { first.Action, slice.Action, second.Action });
        Assert.Equal([first.Snapshot!.Id, slice.Snapshot!.Id], second.Removed.Order(StringComparer.Ordinal));
        Assert.All(lists, run => Assert.True(run.Item2 <= 1, $"the {run.Item1} run listed the catalog {run.Item2} times: {string.Join(", ", lists)}"));
    }

    [Fact]
    public async Task Finding_a_snapshot_by_its_id_reads_its_manifest_alone_without_listing()
    {
        var database = TestDatabases.NewName("list_find");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", 1));
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        await BackUpAsync(repository, database);
        var wanted = await BackUpAsync(repository, database);

        repository.Reset();
        var found = await SnapshotCatalog.FindAsync(repository, wanted.Id, CancellationToken.None);

        Assert.Equal(wanted.Id, found.Id);
        Assert.Equal(0, repository.Lists);
        Assert.Equal([KeyValuePair.Create(wanted.Id, 1)], repository.ManifestReads);
        var missing = await Assert.ThrowsAsync<MongoBackupException>(() => SnapshotCatalog.FindAsync(repository, "20260101T000000Z-full-0000", CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotNotFound, missing.ErrorId);
        Assert.Equal(0, repository.Lists);
    }

    [Fact]
    public async Task A_restore_of_an_encrypted_snapshot_by_id_reads_its_manifest_alone_without_listing()
    {
        var database = TestDatabases.NewName("list_enc");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 500).Select(i => new BsonDocument { { "_id", i }, { "v", new string('x', 100) } }));
        using var folder = new TempFolder();
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("restore passphrase"));
        await BackUpAsync(repository, database, keys);
        var snapshot = await BackUpAsync(repository, database, keys);

        repository.Reset();
        var target = TestDatabases.NewName("list_encr");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, snapshot.Id),
            Encryption = EncryptionKeySource.FromPassphrase(SecureText.Of("restore passphrase")),
            Map = new NamespaceMap().AddDatabaseRename(database, target), VerifyBeforeRestore = false,
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(1, repository.ManifestReads[snapshot.Id]);
        Assert.Equal(500, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(0, repository.Lists);
    }

    private async Task<SnapshotManifest> BackUpAsync(ISnapshotRepository repository, string database, EncryptionKeySource? keys = null) =>
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);

    private async Task SliceAsync(ISnapshotRepository repository) =>
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));
}
