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
/// Likewise a plain capture whose chain gains an encrypted full while it runs. Each test has its own server, as the capture tails its oplog.
/// </summary>
public sealed class RotationDuringCaptureTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });

    private static readonly EncryptionKeySource OldKey = EncryptionKeySource.FromPassphrase(SecureText.Of("old passphrase that leaked"));
    private static readonly EncryptionKeySource NewKey = EncryptionKeySource.FromPassphrase(SecureText.Of("new passphrase after the leak"));
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Slices_a_running_capture_writes_after_a_full_rotation_are_not_left_silently_under_the_retired_key()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = await StartCaptureAfterFullAsync(Connection, client, repository, OldKey, observer, stopCapture.Token);

        var rotatedIds = await RotateEveryCompleteSnapshotAsync(repository, OldKey, NewKey);

        await events.InsertOneAsync(new BsonDocument("_id", 2));
        var sliced = await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture);
        await stopCapture.CancelAsync();
        try { await capture; } catch (MongoBackupException) { /* a capture that refuses to go on under the retired key is a right answer */ }
        Assert.True(sliced || capture.IsFaulted, "the capture neither sliced the write after the rotation nor stopped");

        var afterRotation = (await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None))
            .Where(s => !rotatedIds.Contains(s.Id) && s.Encryption is not null && OldKey.IsKeyOf(s.Encryption)).ToList();
        var unannounced = afterRotation.Where(s => !observer.Warnings.Any(w => w.Contains(s.Id, StringComparison.Ordinal))).Select(s => s.Id).ToList();
        Assert.True(unannounced.Count == 0,
            $"slices written under the retired key after every snapshot was rotated, with no warning: {string.Join(", ", unannounced)}");
    }

    /// <summary>
    /// The stop (Ctrl+C, a service's SIGTERM) comes while the capture judges the key of the slice it just committed, after a
    /// rotation retired that key: the judgement is not cut short, so the slice left under the retired key is still named
    /// (a fresh-clone run once ended such a capture with the slice kept and no word of it).
    /// </summary>
    [Fact]
    public async Task A_stop_while_the_last_slice_key_is_judged_still_names_the_slice_left_under_the_retired_key()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var folder = new FolderRepository(repo.Path);
        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var rotatedIds = new HashSet<string>();
        // Once the rotation is done, the first listing that finds a slice committed under the retired key since is the
        // capture's judgement of it: the stop comes right then, before the listing goes on.
        var repository = new ListingHook(folder, async () =>
        {
            if (rotatedIds.Count == 0 || stopCapture.IsCancellationRequested) return;
            var stranded = (await new SnapshotCatalog(folder).CompleteAsync(CancellationToken.None))
                .Any(s => s.Kind == SnapshotKind.Oplog && !rotatedIds.Contains(s.Id) && s.Encryption is not null && OldKey.IsKeyOf(s.Encryption));
            if (stranded) await stopCapture.CancelAsync();
        });
        var capture = await StartCaptureAfterFullAsync(Connection, client, repository, OldKey, observer, stopCapture.Token);

        rotatedIds.UnionWith(await RotateEveryCompleteSnapshotAsync(folder, OldKey, NewKey));
        await events.InsertOneAsync(new BsonDocument("_id", 2));
        await Task.WhenAny(capture, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.True(capture.IsCompleted, "the capture did not stop");
        Assert.True(stopCapture.IsCancellationRequested, "no slice was committed under the retired key after the rotation");
        try { await capture; } catch (MongoBackupException) { /* refusing the next slice under the retired key is a right answer */ }

        var left = (await new SnapshotCatalog(folder).CompleteAsync(CancellationToken.None))
            .Where(s => !rotatedIds.Contains(s.Id) && s.Encryption is not null && OldKey.IsKeyOf(s.Encryption)).Select(s => s.Id).ToList();
        Assert.NotEmpty(left);
        var unannounced = left.Where(id => !observer.Warnings.Any(w => w.Contains(id, StringComparison.Ordinal))).ToList();
        Assert.True(unannounced.Count == 0,
            $"slices left under the retired key by a capture stopped while it judged them, with no warning: {string.Join(", ", unannounced)}");
    }

    /// <summary>
    /// A DBA moves the repository to encryption: the scheduled full backups now give a key, but the continuous capture
    /// started weeks ago without one (Backup-MongoOplog -Continuous as a service) runs on. A plain slice after an encrypted
    /// base puts the writes after that base in the clear, so a one-shot Backup-MongoOplog without a key is refused there
    /// (<see cref="UnencryptedChainCheck"/>: EncryptionKeyRequired). The capture judges each new slice against a catalog it
    /// listed once, at its start, and a plain capture skips the re-check after each slice (<see cref="CaptureKeyCheck"/>), so
    /// it never sees the encrypted full: it goes on writing plain slices that extend that full's window, for as long as it
    /// runs, without a word. (Set-MongoRepository -RequireEncryption, read from the repository at each slice, is obeyed.)
    /// </summary>
    [Fact]
    public async Task A_running_plain_capture_opens_no_new_unencrypted_slice_after_an_encrypted_full_of_its_chain()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var observer = new RecordingObserver();
        using var stopCapture = new CancellationTokenSource();
        var capture = await StartCaptureAfterFullAsync(Connection, client, repository, null, observer, stopCapture.Token);

        // The scheduled full, now with a key.
        var key = EncryptionKeySource.FromPassphrase(SecureText.Of("the new backup passphrase"));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Encryption = key, Filter = new NamespaceFilter(databases: ["app"]),
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
        // As a one-shot Backup-MongoOplog without a key is refused there: EncryptionKeyRequired, naming the encrypted full.
        Assert.Equal(ErrorIds.EncryptionKeyRequired, stopped?.ErrorId);
        Assert.Contains(complete.Single(s => s.Kind != SnapshotKind.Oplog && s.Encryption is not null).Id, stopped!.Message);
    }

    /// <summary>
    /// A full backup of app under <paramref name="key"/> (plain when null), then a continuous capture under the same key,
    /// slicing every 300 ms, once it has committed a slice holding a write made after it started.
    /// </summary>
    private static async Task<Task> StartCaptureAfterFullAsync(ConnectionSettings connection, MongoClient client, ISnapshotRepository repository,
        EncryptionKeySource? key, RecordingObserver observer, CancellationToken stop)
    {
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        await events.InsertOneAsync(new BsonDocument("_id", -1));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = connection, Repository = repository, Encryption = key, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);
        var capture = Task.Run(() => new ContinuousOplogCapture(observer).RunAsync(new ContinuousCaptureRequest
        {
            Slice = new OplogSliceRequest { Connection = connection, Repository = repository, Encryption = key },
            SliceInterval = TimeSpan.FromMilliseconds(300),
        }, stop));
        await events.InsertOneAsync(new BsonDocument("_id", 1));
        Assert.True(await CaptureWaits.WaitUntilSlicedAsync(repository, await CaptureWaits.LastOplogTimestampAsync(client), capture), "no slice of the capture's first write");
        return capture;
    }

    /// <summary>What Update-MongoSnapshotKey does without -Id: every complete snapshot under the current key, then the pin; the ids rotated.</summary>
    private static async Task<HashSet<string>> RotateEveryCompleteSnapshotAsync(ISnapshotRepository repository, EncryptionKeySource from, EncryptionKeySource to)
    {
        var rotation = await KeyRotation.ForRepositoryAsync(from, to, new SnapshotCatalog(repository), CancellationToken.None);
        var rotatedIds = new HashSet<string>();
        foreach (var manifest in await new SnapshotCatalog(repository).CompleteAsync(CancellationToken.None))
            if (rotation.Applies(manifest))
                rotatedIds.Add((await rotation.RotateAsync(repository, manifest, CancellationToken.None)).Id);
        await RotatedKeyPin.ApplyAsync(await RotatedKeyPin.DecideAsync(rotation, repository, new HashSet<string>(), CancellationToken.None), repository, CancellationToken.None);
        return rotatedIds;
    }

    /// <summary>A folder repository that runs <paramref name="beforeListing"/> each time it is listed, before the listing.</summary>
    private sealed class ListingHook(ISnapshotRepository inner, Func<Task> beforeListing) : DelegatingRepository(inner)
    {
        public override async IAsyncEnumerable<ManifestReadResult> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await beforeListing();
            await foreach (var found in Inner.ListAsync(ct)) yield return found;
        }
    }
}
