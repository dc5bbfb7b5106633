using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// The sibling of a slice of another replica set of the same name (SameNameReplicaSetTests) for sharded clusters: a
/// staging cluster whose shards have the names of production's (shard0, shard1, as every cluster built from the same
/// script has) sliced into production's repository. Its shards' oplogs reach back before the end of production's cluster
/// chain but do not hold the entries it ends at, so the slice must be refused as a replica set's is (NoBaseSnapshot,
/// nothing written), or a point-in-time restore of production replays staging's writes.
/// </summary>
public sealed class SameShapeClusterSliceTests : IDisposable
{
    // Started first, so its shards' oplogs reach back before production's full backup.
    private readonly TwoShardCluster _staging = new();
    private readonly TwoShardCluster _production = new();

    public void Dispose()
    {
        _staging.Dispose();
        _production.Dispose();
    }

    [Fact]
    public async Task A_slice_of_another_cluster_with_the_same_shard_names_does_not_continue_the_chain()
    {
        await new FullBackup(new RecordingObserver()).RunAsync(_production.Backup(), CancellationToken.None);
        await _staging.Orders.InsertManyAsync([new BsonDocument { { "_id", -5 }, { "qty", 99 } }, new BsonDocument { { "_id", 9_005 }, { "qty", 99 } }]);
        var before = _production.SnapshotFolders;

        var staging = _staging.Slice() with { Repository = _production.Repository };
        Exception? refusal = null;
        try { await new OplogBackup(new RecordingObserver()).RunAsync(staging, CancellationToken.None); }
        catch (MongoBackupException e) { refusal = e; }

        Assert.Equal(before.Order(), _production.SnapshotFolders.Order());
        var refused = Assert.IsType<MongoBackupException>(refusal);
        Assert.Equal(ErrorIds.NoBaseSnapshot, refused.ErrorId);
    }
}
