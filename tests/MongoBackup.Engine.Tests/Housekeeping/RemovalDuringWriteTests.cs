using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// A snapshot still being written looks unfinished (its marker, no manifest), and a DBA cleaning up unfinished
/// snapshots meets it mid-write: Remove-MongoSnapshot (with -Force too), a forced copy onto its id and retention
/// must all refuse it while its writer's mark is live (SnapshotBeingWritten), and the writer must finish a snapshot
/// that is whole and restorable. A writer whose files went anyway never commits a manifest naming them.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class RemovalDuringWriteTests(MongoServerFixture server, ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const int Documents = 200;
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Removing_a_snapshot_while_its_backup_writes_is_refused_and_the_backup_completes_whole(StoreKind kind)
    {
        var (repository, database) = await PrepareAsync(kind);
        var observer = new RecordingObserver();
        var refusals = new List<MongoBackupException>();
        var hooked = new MidWriteRepository(repository, async id =>
        {
            foreach (var force in new[] { false, true })
                refusals.Add(await Assert.ThrowsAsync<MongoBackupException>(() =>
                    new SnapshotRemover(observer).RemoveAsync(repository, [id], force, CancellationToken.None)));
        });

        var snapshot = await BackupAsync(hooked, database);

        Assert.Equal(snapshot.Id, hooked.HookedId);
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(ErrorIds.SnapshotBeingWritten, r.ErrorId));
        Assert.All(refusals, r => Assert.Contains($"Snapshot {snapshot.Id} is still being written by", r.Message));
        Assert.All(refusals, r => Assert.Contains("(full backup)", r.Message));
        await AssertWholeAsync(repository, snapshot.Id);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_forced_copy_onto_an_id_being_written_by_another_copy_is_refused_and_the_first_copy_completes_whole(StoreKind kind)
    {
        var (source, database) = await PrepareAsync(StoreKind.Folder);
        var snapshot = await BackupAsync(source, database);
        var destination = await services.NewRepositoryAsync(kind);
        var observer = new RecordingObserver();
        MongoBackupException? refused = null;
        var hooked = new MidWriteRepository(destination, async id =>
            refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
                new SnapshotCopier(observer).CopyAsync(source, id, destination, force: true, CancellationToken.None)));

        await new SnapshotCopier(observer).CopyAsync(source, snapshot.Id, hooked, force: false, CancellationToken.None);

        Assert.Equal(snapshot.Id, hooked.HookedId);
        Assert.Equal(ErrorIds.SnapshotBeingWritten, refused!.ErrorId);
        Assert.Contains("(copy)", refused.Message);
        await AssertWholeAsync(destination, snapshot.Id);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task Retention_while_a_backup_writes_leaves_its_snapshot_and_the_backup_completes_whole(StoreKind kind)
    {
        var (repository, database) = await PrepareAsync(kind);
        var observer = new RecordingObserver();
        RetentionPlan? plan = null;
        IReadOnlyList<string>? removed = null;
        var hooked = new MidWriteRepository(repository, async id =>
        {
            plan = await RetentionApplier.PlanAsync(repository, new RetentionRules { KeepLast = 1 }, CancellationToken.None);
            // Even named outright (a confirmed removal list that came to include it), retention leaves it for a later run.
            removed = await new RetentionApplier(observer).ApplyAsync(repository, [id], CancellationToken.None);
        });

        var snapshot = await BackupAsync(hooked, database);

        Assert.DoesNotContain(plan!.Removals, d => d.SnapshotId == snapshot.Id);
        Assert.Empty(removed!);
        Assert.Contains(observer.Warnings, w => w.Contains($"Snapshot {snapshot.Id} is still being written by"));
        await AssertWholeAsync(repository, snapshot.Id);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_backup_whose_files_were_deleted_under_it_fails_and_commits_no_manifest(StoreKind kind)
    {
        var (repository, database) = await PrepareAsync(kind);
        // A removal that ignores the writer's mark (an older module, a hand in the folder): the first files go.
        var hooked = new MidWriteRepository(repository, async id =>
        {
            // On an object store a file is there only once its upload completes: wait for one, then delete the lot.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await repository.ListFilesAsync(id, CancellationToken.None))!.Any(f => !f.StartsWith(".mongobackup-", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, "no file of the backup was stored within 30 s");
                await Task.Delay(20);
            }
            await repository.DeleteSnapshotAsync(id, CancellationToken.None);
        });

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => BackupAsync(hooked, database));

        // Either the writer's check before committing finds its files gone, or (Azure) an upload in flight when they went
        // is refused by the store, its blob no longer the one it created, or (a folder) a file opened as they went finds
        // no folder: named, and nothing committed either way.
        if (error.ErrorId == ErrorIds.RepositoryUnavailable && kind == StoreKind.AzureBlob)
            Assert.Contains("was removed or replaced by another client while it was being written", error.Message);
        else if (error.ErrorId == ErrorIds.RepositoryNotWritable && kind == StoreKind.Folder)
        {
            // Collections are dumped in parallel: another file of the snapshot opened while its folder was being deleted
            // finds the folder gone (DirectoryNotFoundException), or meets it half-deleted (another IOException, as the
            // deletion and the file's creation race), and the writer stops there, naming the snapshot and the file.
            Assert.Contains($"Cannot write snapshot {hooked.HookedId}", error.Message);
            Assert.IsAssignableFrom<IOException>(error.InnerException);
        }
        else
        {
            Assert.True(error.ErrorId == ErrorIds.BackupFailed, error.ToString());
            Assert.Contains($"Snapshot {hooked.HookedId} was not committed", error.Message);
            Assert.Contains("are no longer in", error.Message);
        }
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        Assert.Null(await repository.ReadManifestAsync(hooked.HookedId!, CancellationToken.None)); // the rest was cleaned up
    }

    private async Task<(ISnapshotRepository Repository, string Database)> PrepareAsync(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var database = TestDatabases.NewName("midwrite");
        // Two collections: a backup writes several files, so there is a moment between them.
        foreach (var collection in new[] { "a", "b" })
            await server.Client.GetDatabase(database).GetCollection<BsonDocument>(collection)
                .InsertManyAsync(Enumerable.Range(0, Documents / 2).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('p', 100) } }));
        return (repository, database);
    }

    private Task<SnapshotManifest> BackupAsync(ISnapshotRepository repository, string database) =>
        new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

    /// <summary>Listed complete, every file read back whole, and restored into scratch databases with every document.</summary>
    private async Task AssertWholeAsync(ISnapshotRepository repository, string id)
    {
        Assert.Contains(id, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Select(m => m.Id));
        var verified = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, id, Connection, null, CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Problems));
        Assert.Equal(Documents, verified.Documents);
    }

    /// <summary>Runs a hook once, just before the second file of a snapshot is created: the writer has written, and has more to write.</summary>
    private sealed class MidWriteRepository(ISnapshotRepository inner, Func<string, Task> hook) : DelegatingRepository(inner)
    {
        private int _files;

        public string? HookedId { get; private set; }

        public override async Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _files) == 2)
            {
                HookedId = snapshotId;
                await hook(snapshotId);
            }
            return await base.CreateFileAsync(snapshotId, relativePath, ct);
        }
    }
}
