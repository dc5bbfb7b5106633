using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Remove-MongoSnapshot while a restore reads the snapshot (the input): the removal is refused naming the
/// restore, and the restore finishes whole. Files that vanish anyway (deleted by hand) end the restore with a named
/// error per namespace and a result, never an unexpected error.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class RemovalDuringRestoreTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _repo = new();

    public void Dispose() => _repo.Dispose();

    /// <summary>Holds the restore after its first namespace is done, until the test lets it go on.</summary>
    private sealed class PauseAfterFirstNamespace : IEngineObserver
    {
        private int _paused;
        public ManualResetEventSlim Paused { get; } = new();
        public ManualResetEventSlim Resume { get; } = new();
        public RecordingObserver Inner { get; } = new();

        public void Verbose(string message)
        {
            Inner.Verbose(message);
            if (message.Contains("documents restored from", StringComparison.Ordinal) && Interlocked.Exchange(ref _paused, 1) == 0)
            {
                Paused.Set();
                Resume.Wait(TimeSpan.FromMinutes(1));
            }
        }

        public void Warning(string message) => Inner.Warning(message);
        public void Progress(ProgressUpdate update) => Inner.Progress(update);
        public void NamespaceFailed(string ns, MongoBackupException error) => Inner.NamespaceFailed(ns, error);
    }

    private async Task<(FolderRepository Repository, SnapshotManifest Manifest, string Database)> BackUpAsync()
    {
        var database = TestDatabases.NewName("rmread");
        foreach (var name in new[] { "a", "b", "c" })
            await server.Client.GetDatabase(database).GetCollection<BsonDocument>(name).InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument("_id", i)));
        var repository = new FolderRepository(_repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = repository,
            Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        return (repository, manifest, database);
    }

    private Task<RestoreOutcome> StartRestore(FolderRepository repository, string id, string database, IEngineObserver observer) =>
        Task.Run(() => new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Snapshot = new RepositorySnapshot(repository, id), ParallelCollections = 1,
            Map = new NamespaceMap().AddDatabaseRename(database, database + "_r"),
        }, CancellationToken.None));

    [Fact]
    public async Task A_removal_while_a_restore_reads_the_snapshot_is_refused_naming_the_restore_which_then_finishes()
    {
        var (repository, manifest, database) = await BackUpAsync();
        var observer = new PauseAfterFirstNamespace();
        var restore = StartRestore(repository, manifest.Id, database, observer);
        Assert.True(observer.Paused.Wait(TimeSpan.FromMinutes(1)), "the restore never got going");

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [manifest.Id], force: true, CancellationToken.None));
        observer.Resume.Set();
        var outcome = await restore;

        Assert.Equal(ErrorIds.SnapshotBeingRead, refused.ErrorId);
        Assert.Contains($"Snapshot {manifest.Id} is being read by", refused.Message);
        Assert.Contains("(restore)", refused.Message);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(150, outcome.Namespaces.Sum(n => n.Documents));
        // Released when the restore ended: the removal goes ahead now.
        await new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [manifest.Id], force: false, CancellationToken.None);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    [Fact]
    public async Task A_restore_whose_files_vanish_half_way_ends_with_named_errors_and_a_result()
    {
        var (repository, manifest, database) = await BackUpAsync();
        var observer = new PauseAfterFirstNamespace();
        var restore = StartRestore(repository, manifest.Id, database, observer);
        Assert.True(observer.Paused.Wait(TimeSpan.FromMinutes(1)), "the restore never got going");

        Directory.Delete(repository.LocalPath(manifest.Id, "")!, recursive: true); // by hand, past any lease
        observer.Resume.Set();
        var outcome = await restore;

        Assert.False(outcome.Succeeded);
        var failed = outcome.Namespaces.Where(n => !n.Succeeded).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, n => Assert.Contains("is missing from", n.Error));
        Assert.All(observer.Inner.Failures, f => Assert.Equal(ErrorIds.CorruptFile, f.Error.ErrorId));
        Assert.Contains("oplog.bson", outcome.OplogError);
    }
}
