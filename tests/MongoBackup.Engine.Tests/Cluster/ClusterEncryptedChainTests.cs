using System.Security;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster's chain under encryption: its oplog slices (once and continuous) encrypted as a replica set's are, every
/// shard's part under the slice's data key, and each reader of the chain (point-in-time restore into a replica set and
/// through a mongos, its plan, Test-MongoSnapshot) opening them with the key, or refusing as for a replica set without it.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterEncryptedChainTests(MongoServerFixture server)
{
    private const string Marker = "PLAINTEXT-MARKER-of-a-sliced-order";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_cluster_chain_restores_to_a_moment_the_state_the_cluster_had_then_encrypted_or_not(bool encrypted)
    {
        using var cluster = new TwoShardCluster();
        var keys = encrypted ? Passphrase() : null;
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = keys }, CancellationToken.None);
        cluster.CrossShardTransaction(-10, 10_010, qty: 7);
        await cluster.Orders.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("qty", 5)));
        var (atT, t) = await StateAsync(cluster, 4000, 5);
        var first = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice() with { Encryption = keys }, CancellationToken.None);
        cluster.CrossShardTransaction(-20, 10_020, qty: 8);
        await cluster.Orders.DeleteOneAsync(new BsonDocument("_id", 2));
        var second = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice() with { Encryption = keys }, CancellationToken.None);
        var atEnd = await OrdersAsync(cluster.Mongos);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.All(new[] { full, first, second }, m => Assert.Equal(encrypted, m.Encryption is not null));
        var window = Assert.Single(RestoreWindows.Compute(await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)));
        Assert.Equal((full.Id, second.OplogEnd), (window.BaseSnapshot.Id, (OplogTimestamp?)window.To));
        Assert.Equal(atT, await RestoreAsync(cluster, OplogLimit.AtClusterTime(t), keys));
        Assert.Equal(atEnd, await RestoreAsync(cluster, OplogLimit.AtClusterTime(second.OplogEnd!.Value), keys));
    }

    [Fact]
    public async Task An_encrypted_cluster_slice_keeps_no_plaintext_in_any_shards_part()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);
        await cluster.Orders.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "note", Marker } }, new BsonDocument { { "_id", 9_001 }, { "note", Marker } }]);
        // Uncompressed, so that only the encryption hides the marker.
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(
            cluster.Slice() with { Encryption = Passphrase(), Compression = Compression.None }, CancellationToken.None);

        Assert.NotNull(slice?.Encryption);
        var stored = Directory.GetFiles(cluster.Repository.LocalPath(slice.Id, "")!, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != SnapshotManifest.FileName && !Path.GetFileName(f).StartsWith('.')).ToList();
        Assert.Equal(slice.Cluster!.Shards.Select(s => s.Folder).Order(), stored.Select(f => Path.GetFileName(Path.GetDirectoryName(f))).Order());
        foreach (var file in stored)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.EndsWith(".encrypted", file);
            Assert.DoesNotContain(Marker, System.Text.Encoding.Latin1.GetString(bytes));
            // Plain BSON opens with its own length as a little-endian int32 and ends its document with a zero byte.
            var length = bytes.Length >= 4 ? BitConverter.ToInt32(bytes, 0) : -1;
            Assert.False(length >= 5 && length <= bytes.Length && bytes[length - 1] == 0, $"{file} opens as a BSON document of {length} bytes");
        }
        var verified = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(cluster.Repository, slice.Id, null, Passphrase(), CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Problems));
        Assert.All(verified.Files, f => Assert.True(f.Documents > 0, $"{f.Path}: no entry parsed"));
    }

    [Fact]
    public async Task A_restore_through_an_encrypted_slice_without_its_key_or_with_another_is_refused_naming_it_and_writes_nothing()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await cluster.Orders.InsertManyAsync([new BsonDocument { { "_id", -1 }, { "qty", 1 } }, new BsonDocument { { "_id", 9_001 }, { "qty", 1 } }]);
        var slice = await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice() with { Encryption = Passphrase() }, CancellationToken.None);
        Assert.NotNull(slice);
        var limit = OplogLimit.AtClusterTime(slice.OplogEnd!.Value);

        foreach (var (keys, error) in new[] { ((EncryptionKeySource?)null, ErrorIds.EncryptionKeyRequired), (Passphrase("another passphrase entirely"), ErrorIds.WrongEncryptionKey) })
        {
            var target = TestDatabases.NewName("clusterenc");
            var refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
                new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(Request(cluster, limit, target, keys), CancellationToken.None));
            Assert.Equal(error, refused.ErrorId);
            Assert.Contains($"Snapshot {slice.Id}", refused.Message);
            Assert.DoesNotContain(target, await (await server.Client.ListDatabaseNamesAsync()).ToListAsync());
        }
        var restored = await RestoreAsync(cluster, limit, Passphrase());
        Assert.True(restored.ContainsKey(-1) && restored.ContainsKey(9_001));
    }

    [Fact]
    public async Task An_encrypted_cluster_chain_restores_into_a_fresh_cluster_through_its_mongos()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);
        cluster.CrossShardTransaction(-10, 10_010, qty: 7);
        var (atT, t) = await StateAsync(cluster, 4000, 5);
        cluster.CrossShardTransaction(-20, 10_020, qty: 8);
        Assert.NotNull(await new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice() with { Encryption = Passphrase() }, CancellationToken.None));

        using var target = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServer.TestServerOptions { Log = TextWriter.Null } });
        using var mongos = new MongoClient(target.ConnectionString);
        var request = Request(cluster, OplogLimit.AtClusterTime(t), "unused", Passphrase());
        request = request with { Restore = request.Restore with { Connection = new ConnectionSettings { ConnectionString = target.ConnectionString }, Map = new NamespaceMap() } };
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        Assert.True(outcome.SliceEntriesApplied > 0);
        Assert.Equal(atT, await OrdersAsync(mongos));
    }

    [Fact]
    public async Task A_repository_that_requires_encryption_refuses_a_clusters_slices_without_the_key_at_once_and_takes_them_with_it()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);
        await ((IRepositorySettingsStore)cluster.Repository).WriteSettingsAsync(
            new RepositorySettings { RequireEncryption = true, KeyId = full.Encryption!.KeyId }, CancellationToken.None);
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });

        var once = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, once.ErrorId);
        // Refused before its first interval (an hour): the capture never waits for it.
        var continuous = new ContinuousCaptureRequest { Slice = cluster.Slice() with { Encryption = Passphrase("another passphrase entirely") }, SliceInterval = TimeSpan.FromHours(1) };
        var wrong = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogBackup(new RecordingObserver()).RunContinuousAsync(continuous, CancellationToken.None));
        Assert.Equal(ErrorIds.WrongEncryptionKey, wrong.ErrorId);
        Assert.Equal([full.Id], cluster.SnapshotFolders);

        using var stop = new CancellationTokenSource();
        var capture = new OplogBackup(new RecordingObserver()).RunContinuousAsync(
            continuous with { Slice = cluster.Slice() with { Encryption = Passphrase() }, SliceInterval = TimeSpan.FromMilliseconds(100) }, stop.Token);
        // Its first slice (order -1) committed: the capture is past its checks; what comes next the last slice takes.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (cluster.SnapshotFolders.Count < 2 && !capture.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "no slice within 60 s");
            await Task.Delay(50);
        }
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", 9_001 }, { "qty", 1 } });
        stop.Cancel();
        var slices = await capture;
        Assert.NotEmpty(slices);
        Assert.All(slices, s => Assert.Equal(full.Encryption.KeyId, s.Encryption?.KeyId));
        var restored = await RestoreAsync(cluster, OplogLimit.AtClusterTime(slices[^1].OplogEnd!.Value), Passphrase());
        Assert.True(restored.ContainsKey(-1) && restored.ContainsKey(9_001));
    }

    /// <summary>
    /// Without repository settings, a keyless slice of a cluster whose chain base is encrypted would keep that base's
    /// documents in the clear: refused at once (once and continuous), naming the base, nothing written.
    /// </summary>
    [Fact]
    public async Task A_keyless_slice_of_a_clusters_encrypted_chain_is_refused_naming_its_base_and_writes_nothing()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });

        var once = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogBackup(new RecordingObserver()).RunAsync(cluster.Slice(), CancellationToken.None));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, once.ErrorId);
        Assert.Contains(full.Id, once.Message);
        // Refused before it begins; were it not, it would capture until this deadline and be refused only then.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var continuous = new ContinuousCaptureRequest { Slice = cluster.Slice(), SliceInterval = TimeSpan.FromHours(1) };
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => new OplogBackup(new RecordingObserver()).RunContinuousAsync(continuous, deadline.Token));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, refused.ErrorId);
        Assert.False(deadline.IsCancellationRequested, "the capture was refused only when it ended, not before it began");
        Assert.Equal([full.Id], cluster.SnapshotFolders);
    }

    /// <summary>
    /// A cluster's continuous capture started without a key, and an encrypted full of the cluster taken while it runs (the
    /// DBA moving the repository to encryption): the capture judges each slice's key against the chain as it is then, so it
    /// writes no unencrypted slice after that full and stops with EncryptionKeyRequired naming it, as a one-shot slice is refused.
    /// </summary>
    [Fact]
    public async Task A_running_plain_cluster_capture_writes_no_unencrypted_slice_after_an_encrypted_full_and_stops_naming_it()
    {
        using var cluster = new TwoShardCluster();
        await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var capture = new OplogBackup(new RecordingObserver()).RunContinuousAsync(
            new ContinuousCaptureRequest { Slice = cluster.Slice(), SliceInterval = TimeSpan.FromMilliseconds(100) }, stop.Token);
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (cluster.SnapshotFolders.Count < 2 && !capture.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "no slice within 60 s");
            await Task.Delay(50);
        }

        var encrypted = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);
        var encryptedFullDone = DateTimeOffset.UtcNow;
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", 9_001 }, { "qty", 1 } });
        // The next interval's judgement stops it; were it not, it would slice until this stop.
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => capture);

        Assert.False(stop.IsCancellationRequested, "the capture ran on until it was stopped");
        Assert.Equal(ErrorIds.EncryptionKeyRequired, refused.ErrorId);
        Assert.Contains(encrypted.Id, refused.Message);
        var plainAfterFull = (await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None))
            .Where(s => s.Kind == SnapshotKind.Oplog && s.Encryption is null && s.StartTime > encryptedFullDone).Select(s => s.Id).ToList();
        Assert.Empty(plainAfterFull);
    }

    /// <summary>Sets order <paramref name="id"/>'s qty through the mongos; the orders then, and that write's cluster time.</summary>
    private static async Task<(Dictionary<int, int> Orders, OplogTimestamp At)> StateAsync(TwoShardCluster cluster, int id, int qty)
    {
        using var session = await cluster.Mongos.StartSessionAsync();
        await cluster.Orders.UpdateOneAsync(session, new BsonDocument("_id", id), new BsonDocument("$set", new BsonDocument("qty", qty)));
        var at = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        return (await OrdersAsync(cluster.Mongos), at);
    }

    private static async Task<Dictionary<int, int>> OrdersAsync(IMongoClient client, string database = "shop") =>
        (await client.GetDatabase(database).GetCollection<BsonDocument>("orders").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
            .ToDictionary(d => d["_id"].AsInt32, d => d.GetValue("qty", 0).AsInt32);

    private PointInTimeRestoreRequest Request(TwoShardCluster cluster, OplogLimit limit, string target, EncryptionKeySource? keys) =>
        cluster.PointInTime(server, limit, target, keys);

    private Task<Dictionary<int, int>> RestoreAsync(TwoShardCluster cluster, OplogLimit limit, EncryptionKeySource? keys) =>
        cluster.RestoredAtAsync(server, limit, keys);

    private static EncryptionKeySource Passphrase(string text = "a cluster passphrase for the tests")
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return EncryptionKeySource.FromPassphrase(secure);
    }
}
