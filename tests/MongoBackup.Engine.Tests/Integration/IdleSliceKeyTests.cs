using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A one-shot oplog slice judges its key before it looks for anything new: a scheduled job given a key the repository's
/// settings refuse fails on its first run, not on the first run that finds writes.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class IdleSliceKeyTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_key_the_settings_refuse_is_refused_whether_or_not_the_oplog_moved()
    {
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var key = EncryptionKeySource.FromPassphrase(SecureText.Of("the-repository-passphrase"));
        var wrong = EncryptionKeySource.FromPassphrase(SecureText.Of("a-misconfigured-passphrase"));
        var database = TestDatabases.NewName("idlekey");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));
        var full = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = key,
        }, CancellationToken.None);
        await ((IRepositorySettingsStore)repository).WriteSettingsAsync(new RepositorySettings
        {
            RequireEncryption = true, KeyId = full.Encryption!.KeyId, KdfSalt = full.Encryption.KdfSalt, KdfIterations = full.Encryption.KdfIterations,
        }, CancellationToken.None);
        // Whatever the oplog held after the backup is saved under the right key, so the next run may find nothing new.
        await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = key },
            CancellationToken.None);
        var before = await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None);

        var observer = new RecordingObserver();
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogSliceRunner(observer).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Encryption = wrong }, CancellationToken.None));

        Assert.Equal(ErrorIds.WrongEncryptionKey, refused.ErrorId);
        Assert.Contains($"takes snapshots encrypted under key {full.Encryption.KeyId}", refused.Message);
        Assert.DoesNotContain(observer.Verboses, v => v.StartsWith("Nothing new", StringComparison.Ordinal));
        Assert.Equal(before.Count, (await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None)).Count);
    }
}
