using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// A cluster slice is cut only where every shard has majority-committed the cut (<see cref="ClusterCut"/>): a shard whose
/// commit point lags (its secondaries stopped replicating) holds the slice back, and the continuous capture slices once it catches up.
/// </summary>
public sealed class ClusterCommitPointTests
{
    [Fact]
    public async Task A_continuous_capture_writes_no_slice_while_a_shard_has_not_committed_the_cut_and_slices_once_it_has()
    {
        using var cluster = new TwoShardCluster();
        var full = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup(), CancellationToken.None);
        await cluster.Orders.InsertOneAsync(new BsonDocument { { "_id", -1 }, { "qty", 1 } });       // shard0
        cluster.Cluster.Shards[1].HoldMajorityCommitPoint();
        using var session = await cluster.Mongos.StartSessionAsync();
        await cluster.Orders.InsertOneAsync(session, new BsonDocument { { "_id", 9_001 }, { "qty", 1 } }); // shard1, not majority-committed
        var pending = OplogTimestamp.FromBsonTimestamp(session.OperationTime);

        var observer = new RecordingObserver();
        using var stop = new CancellationTokenSource();
        var request = new ContinuousCaptureRequest { Slice = cluster.Slice(), SliceInterval = TimeSpan.FromMilliseconds(200) };
        var capture = Task.Run(() => new OplogBackup(observer).RunContinuousAsync(request, stop.Token));
        await WaitForAsync(() => Task.FromResult(observer.Warnings.Any(w => w.Contains("Shard shard1's majority commit point") && w.Contains("no slice was written this interval"))), capture);
        Assert.Empty(await SlicesAsync(cluster));

        cluster.Cluster.Shards[1].ReleaseMajorityCommitPoint();
        await WaitForAsync(async () => (await SlicesAsync(cluster)).Count >= 1, capture);
        await stop.CancelAsync();
        var slices = await capture;

        Assert.Equal(full.ConsistentAt!.Timestamp, slices[0].PreviousSliceEnd);
        Assert.True(slices[0].OplogEnd >= pending, $"the first slice ends at {slices[0].OplogEnd}, before the write at {pending}");
        Assert.All(slices[0].Cluster!.Shards, s => Assert.True(s.OplogEntries > 0, $"{s.Name} saved nothing"));
    }

    private static async Task<List<SnapshotManifest>> SlicesAsync(TwoShardCluster cluster) =>
        (await SnapshotCatalog.LoadCompleteAsync(cluster.Repository, CancellationToken.None)).Where(s => s.Kind == SnapshotKind.Oplog).ToList();

    private static async Task WaitForAsync(Func<Task<bool>> condition, Task capture)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.False(capture.IsCompleted, $"the capture ended: {capture.Exception?.InnerException?.Message}");
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 60 s");
            await Task.Delay(50);
        }
    }
}
