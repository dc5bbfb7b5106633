using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The one cluster time T a cluster backup is consistent at: the newest oplog entry of any shard once every shard's
/// data copy has finished, so T is after every copy. Shards behind it (idle, or simply slower clocks) are pushed past T
/// with appendOplogNote {maxClusterTime: T} through mongos, which writes a no-op past T on each shard not already there
/// (StaleClusterTime, 209, where one is: the others are still written; the manual's appendOplogNote, as
/// mongodb-labs/migration-verifier uses it). Once every shard's newest entry is at or past T, each one's oplog up to and
/// including T is complete (the oplog shows entries in timestamp order), and a replay of all of them to T is the cluster at T.
/// </summary>
internal static class ClusterCut
{
    private const int StaleClusterTime = 209;

    /// <summary>How long shards may take to show their no-op past T.</summary>
    internal static TimeSpan PassDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <exception cref="MongoBackupException">BackupFailed when a shard has not passed T within <see cref="PassDeadline"/>.</exception>
    public static async Task<ConsistencyPoint> ChooseAsync(IMongoClient mongos, IReadOnlyList<ICutShard> shards, CancellationToken ct)
    {
        var points = await Task.WhenAll(shards.Select(s => s.NewestPointAsync(ct)));
        var cut = points.MaxBy(p => p.Timestamp)!;
        var note = new BsonDocument
        {
            { "appendOplogNote", 1 },
            { "data", new BsonDocument("msg", "MongoBackup: cluster backup cut") },
            { "maxClusterTime", cut.Timestamp.ToBsonTimestamp() },
        };
        try { await mongos.GetDatabase("admin").RunCommandAsync<BsonDocument>(note, cancellationToken: ct); }
        catch (MongoCommandException e) when (e.Code == StaleClusterTime) { /* a shard already past T; the others wrote theirs */ }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            throw DriverErrors.Describe(e, mongos) ?? new MongoBackupException(ErrorIds.BackupFailed, $"appendOplogNote through mongos failed: {e.Message}", e);
        }

        var deadline = DateTime.UtcNow + PassDeadline;
        foreach (var shard in shards)
            while (await shard.NewestAsync(ct) < cut.Timestamp)
            {
                if (DateTime.UtcNow > deadline)
                    throw new MongoBackupException(ErrorIds.BackupFailed,
                        $"Shard {shard.Target.Name} did not pass the cluster's cut {cut.Timestamp} within {PassDeadline.TotalSeconds:0} s of appendOplogNote; nothing was kept.",
                        target: shard.Target.Name);
                await Task.Delay(50, ct);
            }
        return cut;
    }
}
