using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;
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
/// Then every shard's majority commit point (<see cref="MajorityCommitPoint"/>) must reach T too, so nothing saved up to T
/// can still be rolled back on any shard: the cut is waited on until it is majority-committed everywhere, for a while
/// (<see cref="PassDeadline"/>, or the caller's own wait), and refused with <see cref="CommitPointBehindException"/> after it.
/// </summary>
internal static class ClusterCut
{
    private const int StaleClusterTime = 209;

    /// <summary>The msg of the no-op a cut writes on the shards behind it (appendOplogNote's data becomes the entry's o).</summary>
    internal const string NoteMessage = "MongoBackup: cluster backup cut";

    /// <summary>How long shards may take to show their no-op past T.</summary>
    internal static TimeSpan PassDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <param name="mongos">The cluster's mongos, which writes the no-ops.</param>
    /// <param name="shards">Every shard.</param>
    /// <param name="ct">Cancels the waits.</param>
    /// <param name="commitWait">How long the shards' commit points may take to reach T; <see cref="PassDeadline"/> when null.</param>
    /// <exception cref="MongoBackupException">BackupFailed when a shard has not passed T within <see cref="PassDeadline"/>, or
    /// (<see cref="CommitPointBehindException"/>) has not majority-committed it within <paramref name="commitWait"/>.</exception>
    public static async Task<ConsistencyPoint> ChooseAsync(IMongoClient mongos, IReadOnlyList<ICutShard> shards, CancellationToken ct, TimeSpan? commitWait = null)
    {
        var points = await Task.WhenAll(shards.Select(s => s.NewestPointAsync(ct)));
        var cut = points.MaxBy(p => p.Timestamp)!;
        var note = new BsonDocument
        {
            { "appendOplogNote", 1 },
            { "data", new BsonDocument("msg", NoteMessage) },
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

        var commitDeadline = DateTime.UtcNow + (commitWait ?? PassDeadline);
        foreach (var shard in shards)
            while (await shard.CommitPointAsync(ct) is var committed && !(committed >= cut.Timestamp))
            {
                if (DateTime.UtcNow > commitDeadline) throw new CommitPointBehindException(shard.Target.Name, committed, cut.Timestamp, commitWait ?? PassDeadline);
                await Task.Delay(50, ct);
            }
        return cut;
    }
}

/// <summary>
/// A shard whose majority commit point did not reach, in time, what the backup was to store: the cut, or a late commit
/// entry past it (<see cref="PreparedAtCut"/>). Those entries could still be rolled back, so no slice is written (a one-shot
/// run fails with BackupFailed; a continuous capture tries again at its next interval).
/// </summary>
internal sealed class CommitPointBehindException : MongoBackupException
{
    /// <summary>The shard's commit point did not reach the cut <paramref name="cut"/> within <paramref name="waited"/>.</summary>
    public CommitPointBehindException(string shard, OplogTimestamp? committed, OplogTimestamp cut, TimeSpan waited)
        : this(shard, $"Shard {shard}'s majority commit point ({Describe(committed)}) did not reach the cluster's cut {cut} within " +
            $"{waited.TotalSeconds:0.#} s: its entries up to the cut could still be rolled back, so nothing was kept. Check that a majority of that shard's members are up and replicating.")
    {
    }

    /// <summary>The shard's commit point did not reach, within <paramref name="waited"/>, the late commit entry at <paramref name="entry"/> of the transaction numbered <paramref name="txnNumber"/>.</summary>
    public CommitPointBehindException(string shard, OplogTimestamp? committed, OplogTimestamp entry, long txnNumber, OplogTimestamp cut, TimeSpan waited)
        : this(shard, $"Shard {shard}'s majority commit point ({Describe(committed)}) did not reach the commit entry of the transaction (txnNumber {txnNumber}) at " +
            $"{entry}, committed at or before the cluster's cut {cut}, within {waited.TotalSeconds:0.#} s: that entry could still be rolled back, so nothing was kept. " +
            "Check that a majority of that shard's members are up and replicating.")
    {
    }

    private CommitPointBehindException(string shard, string message) : base(ErrorIds.BackupFailed, message, target: shard) => Shard = shard;

    /// <summary>The shard, as config.shards names it.</summary>
    public string Shard { get; }

    private static string Describe(OplogTimestamp? committed) => committed is { } c ? c.ToString() : "none reported";
}
