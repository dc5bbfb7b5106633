using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A DBA moves the repository to encryption: the scheduled full backups now give a key, but the continuous capture
/// started weeks ago without one (Backup-MongoOplog -Continuous as a service) runs on. A plain slice after an encrypted
/// base puts the writes after that base in the clear, so a one-shot Backup-MongoOplog without a key is refused there
/// (<see cref="UnencryptedChainCheck"/>: EncryptionKeyRequired). The capture judges each new slice against a catalog it
/// listed once, at its start, and a plain capture skips the re-check after each slice (<see cref="CaptureKeyCheck"/>), so
/// it never sees the encrypted full: it goes on writing plain slices that extend that full's window, for as long as it
/// runs, without a word. (Set-MongoRepository -RequireEncryption, read from the repository at each slice, is obeyed.)
/// It has its own server, as the capture tails its oplog.
/// </summary>
public sealed class EncryptedFullDuringPlainCaptureTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_running_plain_capture_opens_no_new_unencrypted_slice_after_an_encrypted_full_of_its_chain()
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString };
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        await events.InsertOneAsync(new BsonDocument("_id", -1));
        var backup = new BackupRequest { Connection = connection, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]) };
        await new BackupRunner(new RecordingObserver()).RunAsync(backup, CancellationToken.None);

        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository },
            SliceInterval = TimeSpan.FromMilliseconds(300),
        }, stopCapture.Token));
        await events.InsertOneAsync(new BsonDocument("_id", 1));
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture), "no slice before the encrypted full");

        // The scheduled full, now with a key.
        var key = EncryptionKeySource.FromPassphrase(SecureText.Of("the new backup passphrase"));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Encryption = key, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        var encryptedFullDone = DateTimeOffset.UtcNow;

        // Two more writes, each waited for: the slice open when the full was taken closes with the first, and a slice
        // opened after it would close with the second.
        foreach (var id in new[] { 2, 3 })
        {
            await events.InsertOneAsync(new BsonDocument("_id", id));
            await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture);
        }
        await stopCapture.CancelAsync();
        MongoBackupException? stopped = null;
        try { await capture; } catch (MongoBackupException e) { stopped = e; }

        var complete = await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None);
        Assert.Contains(complete, s => s.Kind != SnapshotKind.Oplog && s.Encryption is not null);
        var plainAfterFull = complete.Where(s => s.Kind == SnapshotKind.Oplog && s.Encryption is null && s.StartTime > encryptedFullDone).Select(s => s.Id).ToList();
        Assert.True(plainAfterFull.Count == 0,
            $"unencrypted slices opened after an encrypted full of their chain: {string.Join(", ", plainAfterFull)}; the capture " +
            $"{(stopped is null ? "ran on without refusing" : $"stopped with {stopped.ErrorId}")}");
    }
}
