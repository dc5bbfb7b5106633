using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// commitTransaction and abortTransaction through mongos (s/transaction_router.cpp, db/s/transaction_coordinator.cpp):
/// a transaction that wrote on at most one shard commits there directly (read-only participants commit first, writing
/// nothing); one that wrote on several commits in two phases: prepareTransaction on each shard that wrote (each writes
/// its prepare entry), the commit timestamp the latest prepareTimestamp, then commitTransaction {commitTimestamp} on each
/// (each writes its commitTransaction entry, later than that timestamp because the router's cluster time carries it
/// there). A failed prepare aborts every participant and the commit fails with NoSuchTransaction. The coordinator's
/// config.transaction_coordinators document is not written. A test's <see cref="TwoPhaseCommitHold"/> parks a two-phase
/// commit after a given number of participants committed (0: all prepared, none committed), as a coordinator slow to
/// deliver its decision leaves a shard prepared; the router's lock is let go while it waits.
/// </summary>
internal sealed class MongosTransactionCommands(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("commitTransaction", Commit);
        table.Add("abortTransaction", router.Locked(Abort));
    }

    /// <summary>Run in steps under the router's lock, so a commit held between its phases leaves other commands free.</summary>
    private BsonDocument Commit(CommandContext context)
    {
        lock (router.Sync) return CommitLocked(context);
    }

    private BsonDocument CommitLocked(CommandContext context)
    {
        var transaction = router.Transactions.Of(context);
        var session = ClusterRouter.SessionFields(context);
        var writers = transaction.Participants.Where(transaction.WroteOn).Select(router.Shard).ToList();
        foreach (var reader in transaction.Participants.Where(p => !transaction.WroteOn(p)).Select(router.Shard))
            reader.RunChecked("admin", new BsonDocument("commitTransaction", 1).AddRange(session), router.ClusterTime());
        if (writers.Count == 1)
            writers[0].RunChecked("admin", new BsonDocument("commitTransaction", 1).AddRange(session), router.ClusterTime());
        else if (writers.Count > 1)
            CommitInTwoPhases(writers, session);
        router.Transactions.End(context);
        return new BsonDocument();
    }

    private void CommitInTwoPhases(List<ClusterMember> participants, BsonDocument session)
    {
        var prepareTimestamps = new List<BsonTimestamp>();
        foreach (var participant in participants)
        {
            var reply = participant.Run("admin", new BsonDocument("prepareTransaction", 1).AddRange(session), router.ClusterTime());
            if (reply.GetValue("ok", 0).ToDouble() != 1)
            {
                foreach (var other in participants) other.Run("admin", new BsonDocument("abortTransaction", 1).AddRange(session), router.ClusterTime());
                throw CommandFailure.NoSuchTransaction($"Transaction was aborted :: caused by :: from shard {participant.Name} :: {reply.GetValue("errmsg", "")}");
            }
            prepareTimestamps.Add(reply["prepareTimestamp"].AsBsonTimestamp);
        }
        var commitTimestamp = prepareTimestamps.Max()!;
        var hold = router.CommitHold is { IsReleased: false } held ? held : null;
        for (var i = 0; i < participants.Count; i++)
        {
            if (i == hold?.AfterCommitted)
            {
                Monitor.Exit(router.Sync);
                try { hold.Park(); }
                finally { Monitor.Enter(router.Sync); }
            }
            participants[i].RunChecked("admin", new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", commitTimestamp } }.AddRange(session), router.ClusterTime());
        }
    }

    private BsonDocument Abort(CommandContext context)
    {
        var transaction = router.Transactions.Of(context);
        var session = ClusterRouter.SessionFields(context);
        foreach (var participant in transaction.Participants.Select(router.Shard))
        {
            var reply = participant.Run("admin", new BsonDocument("abortTransaction", 1).AddRange(session), router.ClusterTime());
            if (reply.GetValue("ok", 0).ToDouble() != 1 && reply.GetValue("code", 0).ToInt32() != 251) throw ClusterMember.Failure(reply);
        }
        router.Transactions.End(context);
        return new BsonDocument();
    }
}

/// <summary>
/// A hold on cross-shard commits, for tests (see <see cref="ShardedCluster.HoldTwoPhaseCommits"/>): a two-phase commit
/// parks once <see cref="AfterCommitted"/> of its participants committed, the others still prepared, until released.
/// </summary>
public sealed class TwoPhaseCommitHold(int afterCommitted) : OperationHold
{
    /// <summary>How many participants commit before the commit parks.</summary>
    public int AfterCommitted { get; } = afterCommitted;
}
