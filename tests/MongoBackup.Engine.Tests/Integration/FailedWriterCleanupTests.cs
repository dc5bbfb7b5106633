using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Every writer of snapshots (a backup, a slice, a continuous capture, a copy) failing where it hurts most: its id
/// reserved, its files written, its manifest refused. Nothing of it may be left (no listing, no object or folder of
/// its id), and the error the user sees is the store's; when the store refuses the clean-up too, that is a warning,
/// the original error is still the one thrown, and what is left lists as unfinished.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class FailedWriterCleanupTests(MongoServerFixture server, ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public static TheoryData<StoreKind, bool> KindsAndCleanUps => new()
    {
        { StoreKind.Folder, false }, { StoreKind.AzureBlob, false }, { StoreKind.S3, false }, { StoreKind.Folder, true },
    };

    [Theory]
    [MemberData(nameof(KindsAndCleanUps))]
    public async Task A_backup_refused_at_its_commit_leaves_nothing(StoreKind kind, bool deleteFails)
    {
        var (repository, database) = await PrepareAsync(kind, withFull: false);
        var breaking = new BreakingRepository(repository, deleteFails);
        var observer = new RecordingObserver();

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new BackupRunner(observer).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = breaking, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Same(breaking.CommitFailure, error.InnerException);
        await AssertCleanedUpAsync(repository, breaking, observer, deleteFails, expected: []);
    }

    [Theory]
    [MemberData(nameof(KindsAndCleanUps))]
    public async Task A_slice_refused_at_its_commit_leaves_nothing(StoreKind kind, bool deleteFails)
    {
        var (repository, database) = await PrepareAsync(kind, withFull: true);
        var before = await IdsAsync(repository);
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", "after the full"));
        var breaking = new BreakingRepository(repository, deleteFails);
        var observer = new RecordingObserver();

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogSliceRunner(observer).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = breaking }, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Same(breaking.CommitFailure, error.InnerException);
        await AssertCleanedUpAsync(repository, breaking, observer, deleteFails, before);
    }

    [Theory]
    [MemberData(nameof(KindsAndCleanUps))]
    public async Task A_continuous_capture_whose_slice_is_refused_at_its_commit_leaves_nothing_and_stops(StoreKind kind, bool deleteFails)
    {
        var (repository, database) = await PrepareAsync(kind, withFull: true);
        var before = await IdsAsync(repository);
        var breaking = new BreakingRepository(repository, deleteFails);
        var observer = new RecordingObserver();
        // A slice is due at its first entry (one byte is enough): the capture closes it, and the store refuses its manifest.
        var capture = new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = Connection, Repository = breaking },
            SliceSizeBytes = 1, Duration = TimeSpan.FromMinutes(2),
        }, CancellationToken.None);
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", "captured"));

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => capture);

        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Same(breaking.CommitFailure, error.InnerException);
        await AssertCleanedUpAsync(repository, breaking, observer, deleteFails, before);
    }

    [Theory]
    [MemberData(nameof(KindsAndCleanUps))]
    public async Task A_copy_refused_at_its_commit_leaves_nothing(StoreKind kind, bool deleteFails)
    {
        var (source, _) = await PrepareAsync(StoreKind.Folder, withFull: true);
        var copied = Assert.Single(await IdsAsync(source));
        var destination = await services.NewRepositoryAsync(kind);
        var breaking = new BreakingRepository(destination, deleteFails);
        var observer = new RecordingObserver();

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(observer).CopyAsync(source, copied, breaking, force: false, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Same(breaking.CommitFailure, error.InnerException);
        Assert.Equal(copied, breaking.RefusedId);
        await AssertCleanedUpAsync(destination, breaking, observer, deleteFails, expected: []);
    }

    /// <summary>A fresh repository of the kind and a database with documents; with a full backup of it when a chain must exist.</summary>
    private async Task<(ISnapshotRepository Repository, string Database)> PrepareAsync(StoreKind kind, bool withFull)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var database = TestDatabases.NewName("cleanup");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c")
            .InsertManyAsync(Enumerable.Range(0, 200).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('p', 100) } }));
        if (withFull)
            await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
            {
                Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
            }, CancellationToken.None);
        return (repository, database);
    }

    private static async Task<List<string>> IdsAsync(ISnapshotRepository repository)
    {
        var ids = new List<string>();
        await foreach (var found in repository.ListAsync(CancellationToken.None)) ids.Add(found.SnapshotId);
        return ids;
    }

    private static async Task AssertCleanedUpAsync(ISnapshotRepository repository, BreakingRepository breaking, RecordingObserver observer,
        bool deleteFails, IReadOnlyList<string> expected)
    {
        // The failure came once the id was reserved and files were written, so only the clean-up can have removed them.
        Assert.NotNull(breaking.RefusedId);
        Assert.True(breaking.FilesCreated > 0, "no file was written before the commit failed");
        var left = await repository.ReadManifestAsync(breaking.RefusedId, CancellationToken.None);
        if (!deleteFails)
        {
            Assert.Null(left); // no folder, no object of that id
            Assert.Equal(expected, await IdsAsync(repository));
            Assert.DoesNotContain(observer.Warnings, w => w.Contains("could not be removed"));
            return;
        }
        Assert.Contains(observer.Warnings, w => w.Contains(breaking.RefusedId) && w.Contains("injected: the store refused the delete"));
        Assert.Equal(ManifestState.Missing, left!.State); // what the store kept lists as unfinished, and is never restored
        Assert.Equal(expected, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(m => m.Id));
    }
}
