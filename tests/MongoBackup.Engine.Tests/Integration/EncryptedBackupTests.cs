using System.Buffers.Binary;
using System.Security;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Encrypted snapshots and slices round-trip; a wrong key, a missing key and every kind of damage to an encrypted
/// file are refused before any document reaches the target, naming the file and the chunk.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class EncryptedBackupTests(MongoServerFixture server)
{
    private const string Marker = "PLAINTEXT-MARKER-visible-only-when-unencrypted";
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }

    private static EncryptionKeySource Passphrase(string text = "a passphrase for the tests") => EncryptionKeySource.FromPassphrase(Secure(text));

    private async Task<(string Database, FolderRepository Repository, SnapshotManifest Manifest)> BackUpAsync(TempFolder repo, EncryptionKeySource keys)
    {
        var database = TestDatabases.NewName("enc");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("secrets")
            .InsertManyAsync(Enumerable.Range(0, 3000).Select(i => new BsonDocument { { "_id", i }, { "note", Marker + i } }));
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
            Compression = MongoBackup.Engine.Model.Compression.None, Encryption = keys,
        }, CancellationToken.None);
        return (database, repository, manifest);
    }

    private Task<RestoreOutcome> RestoreAsync(FolderRepository repository, string id, string database, string target, EncryptionKeySource? keys, RecordingObserver? observer = null) =>
        new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, id), Encryption = keys,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

    private async Task<bool> DatabaseExistsAsync(string name) => (await (await server.Client.ListDatabaseNamesAsync()).ToListAsync()).Contains(name);

    [Fact]
    public async Task An_encrypted_snapshot_hides_its_data_and_restores_with_the_right_key()
    {
        using var repo = new TempFolder();
        var (database, repository, manifest) = await BackUpAsync(repo, Passphrase());

        Assert.NotNull(manifest.Encryption);
        Assert.Equal(16, manifest.Encryption!.KeyId.Length);
        foreach (var file in Directory.EnumerateFiles(repository.LocalPath(manifest.Id, "")!, "*", SearchOption.AllDirectories))
            if (!file.EndsWith(SnapshotManifest.FileName))
                Assert.DoesNotContain(Marker, System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));

        var target = database + "_r";
        var outcome = await RestoreAsync(repository, manifest.Id, database, target, Passphrase());
        Assert.True(outcome.Succeeded);
        Assert.Equal(3000, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("secrets").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task An_encrypted_snapshot_folder_given_by_path_restores_with_its_key()
    {
        using var repo = new TempFolder();
        var (database, repository, manifest) = await BackUpAsync(repo, Passphrase());
        var target = database + "_path";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = repository.LocalPath(manifest.Id, "")!, Encryption = Passphrase(),
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded);
        Assert.Equal(3000, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("secrets").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_wrong_or_missing_key_is_refused_before_anything_is_written()
    {
        using var repo = new TempFolder();
        var (database, repository, manifest) = await BackUpAsync(repo, Passphrase());
        var target = database + "_r";

        var wrong = await Assert.ThrowsAsync<MongoBackupException>(() => RestoreAsync(repository, manifest.Id, database, target, Passphrase("not the passphrase at all")));
        Assert.Equal(ErrorIds.WrongEncryptionKey, wrong.ErrorId);
        Assert.Contains(manifest.Encryption!.KeyId, wrong.Message);
        var missing = await Assert.ThrowsAsync<MongoBackupException>(() => RestoreAsync(repository, manifest.Id, database, target, null));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, missing.ErrorId);
        Assert.False(await DatabaseExistsAsync(target));
    }

    public enum Damage { FlippedByte, Truncated, SwappedChunks, RemovedEndMarker }

    [Theory]
    [InlineData(Damage.FlippedByte, "chunk 1")]
    [InlineData(Damage.Truncated, "chunk 2")]
    [InlineData(Damage.SwappedChunks, "chunk 0")]
    [InlineData(Damage.RemovedEndMarker, "end marker")]
    public async Task A_damaged_encrypted_file_fails_its_namespace_before_any_document_is_written(Damage damage, string expected)
    {
        using var repo = new TempFolder();
        var (database, repository, manifest) = await BackUpAsync(repo, Passphrase());
        var file = manifest.Files.Single(f => f.Kind == ManifestFileKind.Data && f.Path.Contains("/secrets.bson", StringComparison.Ordinal)).Path;
        var path = repository.LocalPath(manifest.Id, file)!;
        var stored = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, Damaged(stored, damage));

        var target = database + "_r";
        var observer = new RecordingObserver();
        var outcome = await RestoreAsync(repository, manifest.Id, database, target, Passphrase(), observer);
        Assert.False(outcome.Succeeded);
        var error = Assert.Single(observer.Failures).Error;
        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains(file, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.False(await DatabaseExistsAsync(target));
    }

    [Fact]
    public async Task Encrypted_oplog_slices_replay_in_a_point_in_time_restore()
    {
        using var repo = new TempFolder();
        var keys = Passphrase();
        var (database, repository, _) = await BackUpAsync(repo, keys);
        var secrets = server.Client.GetDatabase(database).GetCollection<BsonDocument>("secrets");
        await secrets.InsertOneAsync(new BsonDocument("_id", "after-backup"));
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = keys }, CancellationToken.None);
        Assert.NotNull(slice!.Encryption);

        var target = database + "_pit";
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value),
            Restore = new RestoreRequest { Connection = Connection, Encryption = keys, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        Assert.Equal(3001, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("secrets").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    /// <summary>The stored file with one kind of damage, made chunk-aware so each test hits what it names.</summary>
    private static byte[] Damaged(byte[] stored, Damage damage)
    {
        var chunks = new List<(int Start, int Length)>();
        for (var at = 20; at < stored.Length;)
        {
            var size = 4 + (int)(BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(at)) & 0x7FFF_FFFF) + 16;
            chunks.Add((at, size));
            at += size;
        }
        Assert.True(chunks.Count >= 3, "the test file must span several chunks");
        byte[] Piece((int Start, int Length) c) => stored.AsSpan(c.Start, c.Length).ToArray();
        switch (damage)
        {
            case Damage.FlippedByte:
                var copy = (byte[])stored.Clone();
                copy[chunks[1].Start + 100] ^= 0x01;
                return copy;
            case Damage.Truncated:
                return stored[..(chunks[2].Start + 50)];
            case Damage.SwappedChunks:
                return [.. stored[..20], .. Piece(chunks[1]), .. Piece(chunks[0]), .. stored[chunks[2].Start..]];
            default:
                return stored[..chunks[^1].Start];
        }
    }
}
