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
/// One stored byte of a collection's file flipped in its middle (bit rot, a bad disk sector), for each compression,
/// plain and encrypted: the restore fails that collection alone with CorruptFile naming the file and a byte offset in
/// it, and nothing of it stays in the target (its documents before the damage are taken back); the other collection
/// is restored whole.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class FlippedByteRestoreTests(MongoServerFixture server) : IDisposable
{
    private const int Items = 3000;
    private readonly List<TempFolder> _folders = [];

    [Theory]
    [InlineData(Compression.None, false)]
    [InlineData(Compression.Gzip, false)]
    [InlineData(Compression.Zstd, false)]
    [InlineData(Compression.None, true)]
    [InlineData(Compression.Gzip, true)]
    [InlineData(Compression.Zstd, true)]
    public async Task A_byte_flipped_in_the_middle_of_a_collection_fails_it_alone_and_leaves_nothing_of_it(Compression compression, bool encrypted)
    {
        var database = TestDatabases.NewName("flip");
        var db = server.Client.GetDatabase(database);
        // Random text, so a compressed file is long and its middle is in the middle of the documents.
        var random = new Random(7);
        await db.GetCollection<BsonDocument>("items").InsertManyAsync(Enumerable.Range(0, Items)
            .Select(i => new BsonDocument { { "_id", i }, { "text", Convert.ToBase64String(Enumerable.Range(0, 120).Select(_ => (byte)random.Next(256)).ToArray()) } }));
        await db.GetCollection<BsonDocument>("others").InsertManyAsync(Enumerable.Range(0, Items / 3).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        var folder = new TempFolder();
        _folders.Add(folder);
        var repository = new FolderRepository(folder.Path);
        var key = encrypted ? EncryptionKeySource.FromPassphrase(SecureText.Of("a passphrase for the flipped byte")) : null;
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Compression = compression, Encryption = key,
        }, CancellationToken.None);
        var items = manifest.Files.Single(f => MongoBackup.Engine.Formats.EncryptedLayout.PlainOf(f.Path).StartsWith($"{database}/items.bson", StringComparison.Ordinal));
        var path = repository.LocalPath(manifest.Id, items.Path)!;
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var target = TestDatabases.NewName("flip_r");
        var observer = new RecordingObserver();

        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Encryption = key,
            Map = new NamespaceMap().AddDatabaseRename(database, target), NoOplogReplay = true,
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var (_, error) = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains(items.Path, error.Message);
        // The offset is one a DBA can look at in the file the message names, or the message says it is not: a position
        // in a compressed file's decompressed BSON, named as the file's own, can lie past the file's end.
        var offset = long.Parse(System.Text.RegularExpressions.Regex.Match(error.Message, @"at byte offset (\d+)").Groups[1].Value);
        Assert.True(offset < bytes.Length || error.Message.Contains("decompressed", StringComparison.OrdinalIgnoreCase), $"the message names byte offset {offset} of {items.Path}, a file of {bytes.Length} bytes damaged at {bytes.Length / 2}: {error.Message}");
        var names = await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync();
        Assert.DoesNotContain("items", names);
        Assert.Equal(Items / 3, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("others").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    public void Dispose()
    {
        foreach (var folder in _folders) folder.Dispose();
    }
}
