using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A namespace whose snapshot file is damaged fails alone, and the oplog replayed after the documents (the snapshot's
/// own, and a point-in-time restore's slices) leaves it alone too: its writes are neither applied to a namespace that
/// was reported not restored nor allowed to fail the replay of the namespaces that were.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DamagedNamespaceReplayTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task The_snapshots_oplog_replays_for_the_namespaces_restored_and_skips_the_damaged_one()
    {
        var database = TestDatabases.NewName("dmgoplog");
        await SeedAsync(database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        // Written after the catalog is listed: the snapshot's oplog holds these writes to both collections.
        var runner = new BackupRunner(new RecordingObserver()) { CatalogListed = _ => WriteBothAsync(database, 100) };
        var manifest = await runner.RunAsync(Backup(database, repository), CancellationToken.None);
        Assert.True(manifest.OplogEntries >= 2, $"the snapshot's oplog holds the writes made during the backup ({manifest.OplogEntries} entries)");
        await DamageAsync(repository, manifest, database);

        foreach (var verifyFirst in new[] { true, false })
        {
            var target = TestDatabases.NewName("dmgoplog_r");
            var observer = new RecordingObserver();
            var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
            {
                Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), VerifyBeforeRestore = verifyFirst,
                Map = new NamespaceMap().AddDatabaseRename(database, target),
            }, CancellationToken.None);

            await AssertDamagedFailedAloneAsync(outcome, observer, manifest, database, target, expectedGood: 6);
        }
    }

    [Fact]
    public async Task A_point_in_time_restore_replays_its_slices_for_the_namespaces_restored_and_skips_the_damaged_one()
    {
        var database = TestDatabases.NewName("dmgpit");
        await SeedAsync(database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(Backup(database, repository), CancellationToken.None);
        await WriteBothAsync(database, 200);
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        await DamageAsync(repository, manifest, database);

        var target = TestDatabases.NewName("dmgpit_r");
        var observer = new RecordingObserver();
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);

        Assert.True(outcome.SliceEntriesApplied >= 1);
        await AssertDamagedFailedAloneAsync(outcome.Restore, observer, manifest, database, target, expectedGood: 6);
    }

    /// <summary>
    /// A slice is one stream for every namespace: its damage cannot fail one namespace alone. Checked first, the restore
    /// is refused before anything is written, naming the slice's file; unchecked, the replay stops there, named.
    /// </summary>
    [Fact]
    public async Task A_damaged_slice_refuses_a_checked_point_in_time_restore_and_stops_an_unchecked_replay_naming_it()
    {
        var database = TestDatabases.NewName("dmgslice");
        await SeedAsync(database);
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(Backup(database, repository), CancellationToken.None);
        await WriteBothAsync(database, 300);
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None);
        var oplogFile = slice!.Files.Single(f => f.Kind == ManifestFileKind.Oplog).Path;
        var path = repository.LocalPath(slice.Id, oplogFile)!;
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^10]);

        foreach (var verifyFirst in new[] { true, false })
        {
            var target = TestDatabases.NewName("dmgslice_r");
            var observer = new RecordingObserver();
            var request = new PointInTimeRestoreRequest
            {
                Repository = repository, Limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value),
                Restore = new RestoreRequest { Connection = Connection, VerifyBeforeRestore = verifyFirst, Map = new NamespaceMap().AddDatabaseRename(database, target) },
            };
            if (verifyFirst)
            {
                var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new PointInTimeRestoreRunner(observer).RunAsync(request, CancellationToken.None));
                Assert.Equal(ErrorIds.CorruptFile, refused.ErrorId);
                Assert.Contains($"{slice.Id}/{oplogFile}", refused.Message);
                Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
                continue;
            }
            var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(request, CancellationToken.None);
            Assert.False(outcome.Restore.Succeeded);
            Assert.Contains($"{slice.Id}/{oplogFile}", outcome.Restore.OplogError);
            var failure = Assert.Single(observer.Failures);
            Assert.Equal("oplog", failure.Namespace);
            Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        }
    }

    private async Task SeedAsync(string database)
    {
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("damaged").InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "v", new string('v', 100) } }));
        await db.GetCollection<BsonDocument>("good").InsertManyAsync(Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)));
    }

    private async Task WriteBothAsync(string database, int id)
    {
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("damaged").InsertOneAsync(new BsonDocument("_id", id));
        await db.GetCollection<BsonDocument>("good").InsertOneAsync(new BsonDocument("_id", id));
    }

    private BackupRequest Backup(string database, ISnapshotRepository repository) => new()
    {
        Connection = Connection, Repository = repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
    };

    private static async Task DamageAsync(FolderRepository repository, SnapshotManifest manifest, string database)
    {
        var file = repository.LocalPath(manifest.Id, $"{database}/damaged.bson")!;
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length / 2)]);
    }

    private async Task AssertDamagedFailedAloneAsync(RestoreOutcome outcome, RecordingObserver observer, SnapshotManifest manifest,
        string database, string target, int expectedGood)
    {
        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.OplogError);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal($"{target}.damaged", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains($"{manifest.Id}/{database}/damaged.bson", failure.Error.Message);
        var good = server.Client.GetDatabase(target).GetCollection<BsonDocument>("good");
        Assert.Equal(expectedGood, await good.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.True(outcome.Namespaces.Single(n => n.TargetNamespace == $"{target}.good").Succeeded);
        var damaged = server.Client.GetDatabase(target).GetCollection<BsonDocument>("damaged");
        // Checked first, the damaged collection is never made; read unchecked, what arrived before the damage stays
        // (reported as not fully restored), but no write of the oplog is added to it.
        Assert.Equal(0, await damaged.CountDocumentsAsync(new BsonDocument("_id", new BsonDocument("$gte", 100))));
    }
}
