using System.Text;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// An oplog slice of an encrypted chain is written only under a key that opens it: a keyless slice is refused whenever
/// it would extend the window of an encrypted full snapshot, not only when the newest full is encrypted (a later full
/// that covers less, another database, leaves the encrypted one's window open, and the slice continues it); a slice
/// under another key than the chain's is refused, since a point-in-time restore opens the base and its slices with one.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class EncryptedChainSliceTests(MongoServerFixture server)
{
    private const string Marker = "PLAINTEXT-MARKER-of-the-encrypted-chain";
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static EncryptionKeySource Passphrase(string text = "a passphrase for the chain tests") => EncryptionKeySource.FromPassphrase(SecureText.Of(text));

    private Task<SnapshotManifest> FullAsync(FolderRepository repository, EncryptionKeySource? keys, params string[] databases) =>
        new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: databases),
            Compression = MongoBackup.Engine.Model.Compression.None, Encryption = keys,
        }, CancellationToken.None);

    [Fact]
    public async Task A_keyless_slice_after_a_narrower_plain_full_is_refused_when_it_would_extend_an_encrypted_fulls_window()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var secret = TestDatabases.NewName("chainsecret");
        var other = TestDatabases.NewName("chainother");
        var secrets = server.Client.GetDatabase(secret).GetCollection<BsonDocument>("cards");
        await secrets.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "note", Marker + 1 } });
        await server.Client.GetDatabase(other).GetCollection<BsonDocument>("logs").InsertOneAsync(new BsonDocument("_id", 1));

        var encrypted = await FullAsync(repository, Passphrase(), secret, other);
        // A plain full of one database only: written with a warning, and it does not cover the encrypted full's scope, so
        // a restore of the secret database to any later moment still starts from the encrypted full and its slices.
        await FullAsync(repository, null, other);
        await secrets.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "note", Marker + 2 } });
        var before = Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList();

        var refusal = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));

        Assert.Equal(ErrorIds.EncryptionKeyRequired, refusal.ErrorId);
        Assert.Contains($"continues snapshot {encrypted.Id}, which is encrypted", refusal.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList());
        foreach (var file in Directory.GetFiles(repo.Path, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(Marker + 2, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task A_slice_under_another_key_than_its_encrypted_chain_is_refused_before_anything_is_written()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var secret = TestDatabases.NewName("chainkey");
        var secrets = server.Client.GetDatabase(secret).GetCollection<BsonDocument>("cards");
        await secrets.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "note", Marker + 1 } });
        var encrypted = await FullAsync(repository, Passphrase(), secret);
        await secrets.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "note", Marker + 2 } });
        var first = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = Passphrase() }, CancellationToken.None);
        Assert.Equal(encrypted.Encryption!.KeyId, first!.Encryption!.KeyId);
        await secrets.InsertOneAsync(new BsonDocument { { "_id", 3 }, { "note", Marker + 3 } });
        var before = Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList();

        // A passphrase mistyped at the prompt: its slices would open with no key the chain's restore is given.
        var refusal = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = Passphrase("a mistyped passphrase for the chain") },
            CancellationToken.None));

        Assert.Equal(ErrorIds.WrongEncryptionKey, refusal.ErrorId);
        Assert.Contains($"continues snapshot {encrypted.Id}", refusal.Message);
        Assert.Contains(encrypted.Encryption.KeyId, refusal.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(repo.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }
}
