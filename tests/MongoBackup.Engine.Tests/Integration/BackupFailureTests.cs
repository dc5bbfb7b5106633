using System.Net;
using System.Net.Sockets;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>Bad input gets a clear error naming the problem, and never a snapshot that looks complete.</summary>
[Collection(MongoServerCollection.Name)]
public sealed class BackupFailureTests(MongoServerFixture server)
{
    private async Task<string> SeedAsync()
    {
        var database = TestDatabases.NewName("fail");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c")
            .InsertManyAsync(Enumerable.Range(0, 3000).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('p', 500) } }));
        return database;
    }

    private BackupRequest Request(string database, ISnapshotRepository repository) => new()
    {
        Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
        Repository = repository, Filter = new NamespaceFilter(databases: [database]),
    };

    [Fact]
    public async Task An_unreachable_server_is_named_in_the_error()
    {
        var port = FreePort();
        using var repo = new TempFolder();
        var request = Request("any", new FolderRepository(repo.Path)) with
        {
            Connection = new ConnectionSettings { ConnectionString = $"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000" },
        };
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new BackupRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None));
        Assert.Equal(ErrorIds.ServerUnreachable, error.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    [Fact]
    public async Task An_unknown_database_is_named_and_nothing_is_written()
    {
        using var repo = new TempFolder();
        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new BackupRunner(new RecordingObserver()).RunAsync(Request("no_such_db_here", new FolderRepository(repo.Path)), CancellationToken.None));
        Assert.Equal(ErrorIds.DatabaseNotFound, error.ErrorId);
        Assert.Contains("no_such_db_here", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    [Fact]
    public async Task A_repository_that_cannot_be_written_is_named_in_the_error()
    {
        using var folder = new TempFolder();
        var blocker = Path.Combine(folder.Path, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var error = Assert.Throws<MongoBackupException>(() => new FolderRepository(Path.Combine(blocker, "repo")));
        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Contains(Path.Combine(blocker, "repo"), error.Message);
    }

    [Fact]
    public async Task A_full_disk_fails_the_backup_and_leaves_no_snapshot_that_lists()
    {
        var database = await SeedAsync();
        using var repo = new TempFolder();
        var full = new FullDiskRepository(new FolderRepository(repo.Path), allowedBytes: 200_000);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new BackupRunner(new RecordingObserver()).RunAsync(Request(database, full) with { Compression = MongoBackup.Engine.Model.Compression.None }, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryFull, error.ErrorId);
        Assert.Contains("ran out of space", error.Message);
        var listed = new List<ManifestReadResult>();
        await foreach (var snapshot in new FolderRepository(repo.Path).ListAsync(CancellationToken.None)) listed.Add(snapshot);
        Assert.DoesNotContain(listed, s => s.IsComplete);
    }

    [Fact]
    public async Task A_cancelled_backup_leaves_no_snapshot_that_lists_as_complete()
    {
        var database = await SeedAsync();
        using var repo = new TempFolder();
        using var cancel = new CancellationTokenSource();
        var observer = new CancelOnFirstProgress(cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new BackupRunner(observer).RunAsync(Request(database, new FolderRepository(repo.Path)), cancel.Token));
        await foreach (var snapshot in new FolderRepository(repo.Path).ListAsync(CancellationToken.None))
            Assert.False(snapshot.IsComplete);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class CancelOnFirstProgress(CancellationTokenSource cancel) : MongoBackup.Engine.Events.IEngineObserver
    {
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Progress(MongoBackup.Engine.Events.ProgressUpdate update) => cancel.Cancel();
        public void NamespaceFailed(string ns, MongoBackupException error) { }
    }
}
