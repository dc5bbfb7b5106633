using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Update-MongoSnapshotKey while Backup-MongoOplog -Continuous runs under the key being retired, in a repository whose
/// settings pin no key (the default: only Set-MongoRepository pins one). The rotation rewrites every complete snapshot,
/// and the capture must not go on adding slices under the retired key without a word: a DBA who rotated because the old
/// passphrase leaked, and then forgets it, would lose those slices, and a point-in-time restore with the new key is refused.
/// It has its own server, as the capture tails its oplog.
/// </summary>
public sealed class RotationDuringCaptureTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Slices_a_running_capture_writes_after_a_full_rotation_are_not_left_silently_under_the_retired_key()
    {
        var connection = new ConnectionSettings { ConnectionString = _server.ConnectionString };
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var oldKey = EncryptionKeySource.FromPassphrase(SecureText.Of("old passphrase that leaked"));
        var newKey = EncryptionKeySource.FromPassphrase(SecureText.Of("new passphrase after the leak"));
        await events.InsertOneAsync(new BsonDocument("_id", -1));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Encryption = oldKey, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);

        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository, Encryption = oldKey },
            SliceInterval = TimeSpan.FromMilliseconds(300),
        }, stopCapture.Token));

        await events.InsertOneAsync(new BsonDocument("_id", 1));
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture), "no slice before the rotation");

        // What Update-MongoSnapshotKey does without -Id: every complete snapshot under the current key, then the pin.
        var rotation = await KeyRotation.ForRepositoryAsync(oldKey, newKey, new SnapshotCatalog(repository), CancellationToken.None);
        var rotatedIds = new HashSet<string>();
        foreach (var manifest in await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None))
            if (rotation.Applies(manifest))
                rotatedIds.Add((await rotation.RotateAsync(repository, manifest, CancellationToken.None)).Id);
        await RotatedKeyPin.ApplyAsync(await RotatedKeyPin.DecideAsync(rotation, repository, new HashSet<string>(), CancellationToken.None), repository, CancellationToken.None);

        await events.InsertOneAsync(new BsonDocument("_id", 2));
        var sliced = await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture);
        await stopCapture.CancelAsync();
        try { await capture; } catch (MongoBackupException) { /* a capture that refuses to go on under the retired key is a right answer */ }
        Assert.True(sliced || capture.IsFaulted, "the capture neither sliced the write after the rotation nor stopped");

        var afterRotation = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None))
            .Where(s => !rotatedIds.Contains(s.Id) && s.Encryption is not null && oldKey.IsKeyOf(s.Encryption)).ToList();
        var unannounced = afterRotation.Where(s => !observer.Warnings.Any(w => w.Contains(s.Id, StringComparison.Ordinal))).Select(s => s.Id).ToList();
        Assert.True(unannounced.Count == 0,
            $"slices written under the retired key after every snapshot was rotated, with no warning: {string.Join(", ", unannounced)}");
    }
}
