using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A shard's transactions prepared at or before the cut T and not decided by it, and what the shard's saved oplog then
/// needs past T. A cross-shard transaction commits at one commitTimestamp the coordinator chose (at or after every
/// prepare), but each shard writes its commitTransaction entry {commitTransaction: 1, commitTimestamp} in an oplog slot
/// reserved when the decision reaches it, at or after that timestamp (transaction_participant.cpp
/// commitPreparedTransaction: "Commit oplog entry must be greater than or equal to commit timestamp"), possibly long
/// after T. A transaction whose commitTimestamp is at or before T is part of the cluster at T (a read at T sees it once
/// committed), so its late commit entry is saved after the entries up to T; one committed after T, or aborted, is not,
/// and nothing past T is saved for it. Until every such transaction is decided the backup waits, at most the caller's
/// wait (a continuous cluster capture's interval: an undecided transaction then skips that interval, as a lagging commit
/// point does, and the next one cuts again), else <see cref="DecisionDeadline"/>. A late commit entry is then stored only once the shard's majority commit point covers
/// it, as every other entry the backup stores (<see cref="MajorityCommitPoint"/>; the cut itself is majority-committed by
/// <see cref="ClusterCut"/>): the participant writes it without waiting for a majority, so until its secondaries have it,
/// a rollback may still undo it. The backup waits for that too, at most <see cref="CommitPointDeadline"/> (a continuous
/// cluster capture: its interval, the wait it gives the cut's commit points as well).
/// </summary>
internal sealed class PreparedAtCut
{
    private readonly Dictionary<(string Session, long Number), BsonTimestamp> _open = [];

    /// <summary>
    /// How long a one-shot backup (Backup-MongoDatabase, Backup-MongoOplog without -Continuous) waits for a shard's
    /// transactions prepared at or before the cut to be committed or aborted: no parameter of those commands bounds a
    /// wait on the cluster (-ConnectTimeout is the driver's, for opening a connection), so this is the same 60 s as their
    /// wait for a commit point. A continuous capture waits its interval instead (<see cref="LateCommitsAsync"/>'s wait).
    /// </summary>
    internal static TimeSpan DecisionDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a backup waits for a shard's majority commit point to cover the late commit entries it stores.</summary>
    internal static TimeSpan CommitPointDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Follows one saved entry (at or before the cut): a prepare opens, a commitTransaction or abortTransaction closes.</summary>
    public void Observe(RawBsonDocument entry)
    {
        if (entry.GetValue("op", "").ToString() != "c" || !entry.Contains("lsid") || !entry.Contains("txnNumber")) return;
        if (entry.GetValue("o", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } o) return;
        var key = (Convert.ToHexString(entry["lsid"].AsBsonDocument.ToBson()), entry["txnNumber"].ToInt64());
        var command = o.GetElement(0).Name;
        if (command == "applyOps" && o.GetValue("prepare", false).ToBoolean()) _open[key] = entry["ts"].AsBsonTimestamp;
        else if (command is "commitTransaction" or "abortTransaction") _open.Remove(key);
    }

    /// <summary>
    /// Once every transaction still open at the cut is decided, the commit entries past <paramref name="cut"/> of those
    /// committed at a commitTimestamp at or before it, in oplog order (none when nothing was open).
    /// </summary>
    /// <exception cref="UndecidedTransactionException">BackupFailed, naming the shard and the transaction, when one is still prepared
    /// after <paramref name="commitWait"/> (else <see cref="DecisionDeadline"/>); <see cref="CommitPointBehindException"/> (BackupFailed)
    /// when its commit entry is not majority-committed within <paramref name="commitWait"/> (else <see cref="CommitPointDeadline"/>).</exception>
    /// <param name="commitWait">
    /// The caller's wait (a continuous cluster capture's interval, as for its cut): how long the transactions prepared by
    /// the cut may take to be decided, and then the shard's majority commit point to cover their late commit entries;
    /// null: <see cref="DecisionDeadline"/> and <see cref="CommitPointDeadline"/>.
    /// </param>
    public async Task<IReadOnlyList<RawBsonDocument>> LateCommitsAsync(IMongoClient shard, string shardName, BsonTimestamp cut, IEngineObserver observer, CancellationToken ct,
        TimeSpan? commitWait = null)
    {
        var commits = await DecidedAsync(shard, shardName, cut, commitWait ?? DecisionDeadline, observer, ct);
        if (commits.Count > 0) await AwaitMajorityAsync(shard, shardName, commits[^1], cut, commitWait ?? CommitPointDeadline, observer, ct);
        return commits;
    }

    /// <summary>
    /// Waits until the shard's majority commit point covers <paramref name="newest"/>, the last late commit entry (so every
    /// earlier one too: the point moves forward in oplog order).
    /// </summary>
    private static async Task AwaitMajorityAsync(IMongoClient shard, string shardName, RawBsonDocument newest, BsonTimestamp cut, TimeSpan wait,
        IEngineObserver observer, CancellationToken ct)
    {
        var at = OplogTimestamp.FromBsonTimestamp(newest["ts"].AsBsonTimestamp);
        var (covered, committed) = await DriverErrors.Translate(() => MajorityCommitPoint.WaitToCoverAsync(shard, at, wait,
            () => observer.Verbose($"Shard {shardName}: waiting for its majority commit point to reach the late commit entry at {at} before storing it."),
            ct), shard);
        if (covered) return;
        throw new CommitPointBehindException(shardName, committed, at, newest["txnNumber"].ToInt64(), OplogTimestamp.FromBsonTimestamp(cut), wait);
    }

    /// <summary>Once every open transaction is decided, the commit entries to store; see <see cref="LateCommitsAsync"/>.</summary>
    private async Task<IReadOnlyList<RawBsonDocument>> DecidedAsync(IMongoClient shard, string shardName, BsonTimestamp cut, TimeSpan wait,
        IEngineObserver observer, CancellationToken ct)
    {
        if (_open.Count == 0) return [];
        observer.Verbose($"Shard {shardName}: waiting for {_open.Count} transaction(s) prepared at or before the cut {cut} to be committed or aborted.");
        var oplog = shard.GetDatabase("local").GetCollection<RawBsonDocument>("oplog.rs");
        var filter = new BsonDocument
        {
            { "ts", new BsonDocument("$gt", cut) }, { "op", "c" },
            { "$or", new BsonArray { new BsonDocument("o.commitTransaction", new BsonDocument("$exists", true)), new BsonDocument("o.abortTransaction", new BsonDocument("$exists", true)) } },
        };
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var decided = new Dictionary<(string, long), RawBsonDocument>();
            var found = await DriverErrors.Translate(async () =>
                await (await oplog.FindAsync(filter, new FindOptions<RawBsonDocument> { Sort = new BsonDocument("$natural", 1) }, ct)).ToListAsync(ct), shard);
            foreach (var entry in found)
            {
                var key = (Convert.ToHexString(entry["lsid"].AsBsonDocument.ToBson()), entry["txnNumber"].ToInt64());
                if (_open.ContainsKey(key)) decided[key] = entry;
            }
            if (decided.Count == _open.Count)
                return decided.Values.Where(e => e["o"].AsBsonDocument.Contains("commitTransaction") && e["o"]["commitTimestamp"].AsBsonTimestamp.CompareTo(cut) <= 0)
                    .OrderBy(e => e["ts"].AsBsonTimestamp).ToList();
            if (DateTime.UtcNow > deadline)
            {
                var (session, number) = _open.Keys.First(k => !decided.ContainsKey(k));
                throw new UndecidedTransactionException(shardName,
                    $"Shard {shardName} still holds a transaction (txnNumber {number}) prepared at {_open[(session, number)]}, at or before the cluster's cut {cut}, " +
                    $"neither committed nor aborted {wait.TotalSeconds:0.#} s later: whether it belongs to the cluster at the cut is not known yet. " +
                    "Nothing was kept; run the backup again once its coordinator has decided it.");
            }
            await Task.Delay(100, ct);
        }
    }
}

/// <summary>
/// A transaction a shard prepared at or before the cut is still neither committed nor aborted after the backup's wait
/// (<see cref="PreparedAtCut"/>): BackupFailed, naming the shard; nothing was kept. A continuous capture skips that
/// interval and cuts again at the next, as for a lagging commit point.
/// </summary>
internal sealed class UndecidedTransactionException(string shard, string message) : MongoBackupException(ErrorIds.BackupFailed, message, target: shard)
{
    /// <summary>The shard, as config.shards names it.</summary>
    public string Shard { get; } = shard;
}
