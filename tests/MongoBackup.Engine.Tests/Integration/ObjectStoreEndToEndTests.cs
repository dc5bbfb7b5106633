using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The whole engine on each repository kind (folder, Azure Blob Storage, S3): back up, find the snapshot in the
/// catalog, restore it from the repository, and restore to a moment through oplog slices stored there.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ObjectStoreEndToEndTests(MongoServerFixture server, ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_backup_lists_in_the_catalog_and_restores_equal_from_the_repository(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var database = TestDatabases.NewName("store");
        await RichDataSet.SeedAsync(server.Client, database);
        var before = await DatabaseState.CaptureAsync(server.Client, database);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        var listed = Assert.Single(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        Assert.Equal(manifest.Id, listed.Id);
        Assert.Equal(manifest.Files.Select(f => (f.Path, f.Size, f.Sha256)), listed.Files.Select(f => (f.Path, f.Size, f.Sha256)));

        var target = TestDatabases.NewName("store_r");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, listed.Id),
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Where(n => n.Error != null).Select(n => n.Error)));
        before.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Encrypted_snapshots_and_slices_restore_to_a_moment_on_every_kind(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var keys = MongoBackup.Engine.Repository.EncryptionKeySource.FromPassphrase(Secure("encrypted on every kind"));
        var database = TestDatabases.NewName("store_enc");
        using var session = await server.Client.StartSessionAsync();
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(session, Enumerable.Range(0, 100).Select(i => new BsonDocument { { "_id", i }, { "secret", $"s{i}" } }));
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);
        await items.InsertOneAsync(session, new BsonDocument { { "_id", 100 }, { "secret", "s100" } });
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = keys }, CancellationToken.None);
        Assert.NotNull(full.Encryption);
        Assert.NotNull(slice!.Encryption);

        var target = TestDatabases.NewName("store_enc_r");
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = Connection, Encryption = keys, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        Assert.Equal(101, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Copy_test_remove_and_retention_behave_the_same_on_every_kind(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var database = TestDatabases.NewName("keep");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c")
            .InsertManyAsync(Enumerable.Range(0, 200).Select(i => new BsonDocument { { "_id", i }, { "v", new string('k', 50) } }));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
            {
                Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
            }, CancellationToken.None)).Id);

        // Copy to another repository of the same kind: every file arrives with its checksum, the copy lists and verifies.
        var other = await services.NewRepositoryAsync(kind);
        var copied = await new MongoBackup.Engine.Housekeeping.SnapshotCopier(new RecordingObserver()).CopyAsync(repository, ids[0], other, force: false, CancellationToken.None);
        var original = await SnapshotCatalog.FindAsync(repository, ids[0], CancellationToken.None);
        Assert.Equal(original.Files.Select(f => (f.Path, f.Sha256)), copied.Files.Select(f => (f.Path, f.Sha256)));
        var verification = await new MongoBackup.Engine.Housekeeping.SnapshotVerifier(new RecordingObserver()).VerifyAsync(other, ids[0], restoreInto: null, keys: null, CancellationToken.None);
        Assert.All(verification.Files, f => Assert.True(f.Passed, f.Problem));
        Assert.Equal(200, verification.Files.Where(f => f.Kind == ManifestFileKind.Data).Sum(f => f.Documents));

        // Retention keeps the newest; removal takes the rest, and the catalog shows it on every kind.
        var plan = await MongoBackup.Engine.Housekeeping.RetentionApplier.PlanAsync(repository, new MongoBackup.Engine.Housekeeping.RetentionRules { KeepLast = 1 }, CancellationToken.None);
        var removing = plan.Removals.Select(d => d.SnapshotId).Order().ToList();
        Assert.Equal(ids.Take(2).Order(), removing);
        await new MongoBackup.Engine.Housekeeping.RetentionApplier(new RecordingObserver()).ApplyAsync(repository, removing, CancellationToken.None);
        Assert.Equal([ids[2]], (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(s => s.Id));
        await new MongoBackup.Engine.Housekeeping.SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [ids[2]], force: false, CancellationToken.None);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_point_in_time_restore_replays_oplog_slices_kept_in_the_repository(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var database = TestDatabases.NewName("store_pit");
        using var session = await server.Client.StartSessionAsync();
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertManyAsync(session, Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        await items.UpdateManyAsync(session, new BsonDocument("_id", new BsonDocument("$lt", 10)), new BsonDocument("$set", new BsonDocument("n", -1)));
        await Slice(repository);
        await items.InsertOneAsync(session, new BsonDocument { { "_id", 100 }, { "n", 100 } });
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        var expected = await DatabaseState.CaptureAsync(server.Client, database);
        await items.DeleteManyAsync(session, new BsonDocument("_id", new BsonDocument("$gte", 40)));
        await Slice(repository);

        var target = TestDatabases.NewName("store_pitr");
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        expected.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
    }

    private async Task Slice(ISnapshotRepository repository) =>
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));
}
