using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// A repository on read-only or immutable media (a mounted snapshot, WORM storage, a read-only share) is read as any
/// other: opening it to read writes nothing, so it lists, verifies and restores; a command that writes fails at once,
/// naming the folder.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ReadOnlyFolderRepositoryTests(MongoServerFixture server, ITestOutputHelper output)
{
    /// <param name="simulated">Read-only media simulated (every write fails with EROFS) rather than made by the system.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_read_only_folder_lists_verifies_and_restores_and_a_backup_into_it_fails_naming_the_folder(bool simulated)
    {
        if (OperatingSystem.IsWindows()) return; // read-only is made with Unix modes
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var database = TestDatabases.NewName("readonly");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items")
            .InsertManyAsync(Enumerable.Range(0, 300).Select(i => new BsonDocument { { "_id", i }, { "v", i * 2 } }));
        using var folder = new TempFolder();
        var snapshot = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = new FolderRepository(folder.Path), Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

        using var readOnly = new ReadOnlyFolder(folder.Path, simulated);
        output.WriteLine($"Read-only by {readOnly.How}.");
        var before = readOnly.Tree();
        var repository = readOnly.Open(RepositoryAccess.Read);
        var observer = new RecordingObserver();

        var listed = await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None);
        var verified = await new SnapshotVerifier(observer).VerifyAsync(repository, snapshot.Id, null, null, CancellationToken.None);
        var target = TestDatabases.NewName("readonly_r");
        var restored = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = connection, Snapshot = new RepositorySnapshot(repository, snapshot.Id), Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.Equal([snapshot.Id], listed.Select(s => s.Id));
        Assert.True(verified.Passed, string.Join("; ", verified.Problems));
        Assert.Equal(300, verified.Documents);
        Assert.True(restored.Succeeded);
        Assert.Equal(300, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        // The read leases could not be written: said, and the reads went on.
        Assert.Contains(observer.Verboses, v => v.StartsWith($"No read lease on {snapshot.Id}", StringComparison.Ordinal));
        Assert.Equal(before, readOnly.Tree());

        var refused = Assert.Throws<MongoBackupException>(() => readOnly.Open(RepositoryAccess.Write));
        Assert.Equal(ErrorIds.RepositoryNotWritable, refused.ErrorId);
        Assert.Equal(Path.GetFullPath(folder.Path), refused.Target);
        Assert.Contains($"The repository folder '{Path.GetFullPath(folder.Path)}' cannot be written", refused.Message);
        Assert.Equal(before, readOnly.Tree());
    }
}
