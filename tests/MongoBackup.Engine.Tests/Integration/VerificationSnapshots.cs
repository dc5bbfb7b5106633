using System.Text;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Snapshots for the tests of how a restore checks what it reads: a database of two collections (items: 3,000
/// documents whose text names each, others: 1,000), backed up into a folder repository of its own; optionally with one
/// letter of items.bson changed in its middle, so that its BSON stays well formed and only its SHA-256 tells.
/// </summary>
public sealed class VerificationSnapshots(MongoServerFixture server) : IDisposable
{
    public const int Items = 3000;
    private readonly List<TempFolder> _folders = [];

    public ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    /// <param name="user">A user of the database to create and back up with the data (IncludeUsersAndRoles), or null.</param>
    public async Task<(string Database, FolderRepository Repository, SnapshotManifest Manifest)> BackUpAsync(Compression compression, string? user = null)
    {
        var database = TestDatabases.NewName("verify");
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("items").InsertManyAsync(Enumerable.Range(0, Items)
            .Select(i => new BsonDocument { { "_id", i }, { "text", $"item {i} " + new string('x', 100 + i % 50) } }));
        await db.GetCollection<BsonDocument>("others").InsertManyAsync(Enumerable.Range(0, Items / 3)
            .Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        if (user is not null)
            await db.RunCommandAsync<BsonDocument>(new BsonDocument
            {
                { "createUser", user }, { "pwd", "not-a-real-secret-2" }, { "roles", new BsonArray { new BsonDocument { { "role", "read" }, { "db", database } } } },
            });
        var folder = new TempFolder();
        _folders.Add(folder);
        var repository = new FolderRepository(folder.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Compression = compression,
            IncludeUsersAndRoles = user is not null,
        }, CancellationToken.None);
        return (database, repository, manifest);
    }

    /// <summary>A plain snapshot whose items.bson has one letter changed in its middle (see <see cref="ChangeOneCharacter"/>).</summary>
    public async Task<(string Database, FolderRepository Repository, SnapshotManifest Manifest)> BackUpWithItemsChangedAsync()
    {
        var (database, repository, manifest) = await BackUpAsync(Compression.None);
        ChangeOneCharacter(repository, manifest.Id, $"{database}/items.bson", "item 1500 ", inTheMiddle: true);
        return (database, repository, manifest);
    }

    /// <summary>
    /// Changes the first letter of <paramref name="marker"/> in a stored file: its BSON stays well formed, its SHA-256
    /// does not match. <paramref name="inTheMiddle"/> asserts that the marker sits past the file's first third.
    /// </summary>
    public static void ChangeOneCharacter(FolderRepository repository, string id, string path, string marker, bool inTheMiddle = false)
    {
        var file = repository.LocalPath(id, path)!;
        var bytes = File.ReadAllBytes(file);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker));
        Assert.True(at >= 0, $"'{marker}' is in {path}");
        if (inTheMiddle) Assert.True(at > bytes.Length / 3, "the marker sits in the middle of the file");
        bytes[at] = (byte)(bytes[at] == 'j' ? 'k' : 'j');
        File.WriteAllBytes(file, bytes);
    }

    public void Dispose()
    {
        foreach (var folder in _folders) folder.Dispose();
    }
}
