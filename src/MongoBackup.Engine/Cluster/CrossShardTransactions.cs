using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Turns the shards' entries of one cluster-wide transaction into one committed transaction, or none. A transaction
/// that wrote on several shards is prepared on each (an applyOps with prepare: true, after any partialTxn entries of
/// that shard), and committed on each by a commitTransaction entry carrying the one commitTimestamp the coordinator chose
/// (src/mongo/db/s/transaction_coordinator.cpp; the test server's sharded mode writes the same). Here a shard's entries
/// are held until every shard that prepared it has its commitTransaction in what is read (each shard's oplog up to the
/// cut, and the late commits saved past it); then one applyOps entry holding every shard's operations is given out, as a
/// transaction committed by itself is written, for <see cref="Oplog.Replay.TransactionGatherer"/> to apply whole. Its ts
/// is the commitTimestamp, not its last commit entry's: MongoDB makes a prepared transaction's writes visible at the
/// commitTimestamp (transaction_participant.cpp, commitPreparedTransaction commits the storage transaction at it; the commit
/// entry's own slot may come much later), so a replay to any moment at or after that timestamp holds it; its wall is the
/// newest prepare's (the coordinator commits at the greatest prepareTimestamp, PrepareVoteConsensus::decision in
/// transaction_coordinator_util.cpp). <see cref="Floor"/> tells the merge how long to hold what it reads after a prepare so
/// that the transaction is given out in its place. One that any shard aborted, or that some shard had not committed in
/// what was read, gives out nothing. Unprepared chains (a large transaction on one shard: partialTxn entries closed by
/// an applyOps) are given back in order at their closing entry.
/// </summary>
internal sealed class CrossShardTransactions
{
    private readonly Dictionary<(string Session, long Number), Pending> _pending = [];

    /// <summary>Transactions prepared and not committed on every shard in what was read (left out of the replay).</summary>
    public int Undecided => _pending.Count;

    /// <summary>
    /// The earliest commitTimestamp a prepared transaction not given out yet may still have (its own once a shard's commit
    /// names it, else at least its newest prepare's ts), or null when none is pending. Every entry read from then on may
    /// come after that transaction, so the merge holds them until it is given out or dropped.
    /// </summary>
    public OplogTimestamp? Floor
    {
        get
        {
            OplogTimestamp? floor = null;
            foreach (var pending in _pending.Values)
                if (pending.EarliestCommit is { } at && (floor is null || at < floor)) floor = at;
            return floor;
        }
    }

    /// <summary>What to give the replay for <paramref name="entry"/> read from shard <paramref name="shard"/>: itself, nothing (held or dropped), or a whole transaction (its ts its commitTimestamp).</summary>
    public IReadOnlyList<Given> Take(int shard, BsonDocument entry, byte[] raw)
    {
        if (!IsTransactionCommand(entry, out var command, out var o)) return [new Given(raw)];
        var key = (Convert.ToHexString(entry["lsid"].AsBsonDocument.ToBson()), entry["txnNumber"].ToInt64());
        switch (command)
        {
            case "abortTransaction":
                _pending.Remove(key);
                return [];
            case "commitTransaction":
                if (!_pending.TryGetValue(key, out var prepared)) return [new Given(raw)]; // the replay says what is missing
                prepared.CommittedOn.Add(shard);
                prepared.CommitTimestamp ??= OplogTimestamp.FromBsonTimestamp(o["commitTimestamp"].AsBsonTimestamp);
                if (!prepared.PreparedOn.IsSubsetOf(prepared.CommittedOn)) return [];
                _pending.Remove(key);
                return [new Given(Combined(entry, prepared), prepared.CommitTimestamp)];
        }
        var partial = o.GetValue("partialTxn", false).ToBoolean();
        var prepare = o.GetValue("prepare", false).ToBoolean();
        if (!partial && !prepare)
        {
            // Closes an unprepared chain of this shard (or is a transaction by itself): given back in order.
            if (!_pending.TryGetValue(key, out var chain) || !chain.Entries.Remove(shard, out var held)) return [new Given(raw)];
            if (chain.Entries.Count == 0) _pending.Remove(key);
            return [.. held.Select(h => new Given(h)), new Given(raw)];
        }
        if (!_pending.TryGetValue(key, out var pending)) _pending[key] = pending = new Pending();
        if (!pending.Entries.TryGetValue(shard, out var list)) pending.Entries[shard] = list = [];
        list.Add(raw);
        if (prepare)
        {
            pending.PreparedOn.Add(shard);
            var at = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
            if (pending.NewestPrepare is not { } newest || at > newest) (pending.NewestPrepare, pending.NewestPrepareWall) = (at, entry.GetValue("wall", BsonNull.Value));
        }
        return [];
    }

    private static bool IsTransactionCommand(BsonDocument entry, out string command, out BsonDocument o)
    {
        command = "";
        o = [];
        if (entry.GetValue("op", "") != "c" || !entry.Contains("lsid") || !entry.Contains("txnNumber") || entry.Contains("multiOpType")) return false;
        if (entry.GetValue("o", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } body) return false;
        (command, o) = (body.GetElement(0).Name, body);
        return command is "applyOps" or "commitTransaction" or "abortTransaction";
    }

    /// <summary>
    /// One applyOps entry at the commitTimestamp (ts; t from the last commit, wall from the newest prepare) with every shard's operations, in shard order, except that
    /// a document one shard deletes and another writes (an update that changed its shard key value and moved it: mongos runs
    /// it on WouldChangeOwningShard as a delete on the old shard and an insert on the new one, in one transaction) has its
    /// delete first, as it was done. Each shard's operations hold no order with another's, and in shard order the insert may
    /// come first: a replica set's replay, which deletes by _id, would then delete the new document, and a mongos whose
    /// chunks put both keys on one shard would refuse the insert (DuplicateKey).
    /// </summary>
    private static byte[] Combined(BsonDocument commit, Pending prepared)
    {
        var parts = prepared.Entries.OrderBy(e => e.Key)
            .Select(e => e.Value.SelectMany(raw => BsonSerializer.Deserialize<BsonDocument>(raw)["o"]["applyOps"].AsBsonArray).ToList()).ToList();
        var operations = new BsonArray();
        var movedFirst = MovedDeletes(parts);
        operations.AddRange(parts.SelectMany(p => p).Where(movedFirst.Contains));
        operations.AddRange(parts.SelectMany(p => p).Where(o => !movedFirst.Contains(o)));
        var combined = new BsonDocument { { "op", "c" }, { "ns", "admin.$cmd" }, { "o", new BsonDocument("applyOps", operations) } };
        combined["ts"] = prepared.CommitTimestamp!.Value.ToBsonTimestamp();
        if (commit.TryGetValue("t", out var term)) combined["t"] = term;
        if (prepared.NewestPrepareWall is BsonDateTime wall) combined["wall"] = wall;
        foreach (var field in new[] { "lsid", "txnNumber" })
            if (commit.TryGetValue(field, out var value)) combined[field] = value;
        return combined.ToBson();
    }

    /// <summary>The deletes that are their shard's first operation on a document (namespace and _id) another shard also writes.</summary>
    private static HashSet<BsonValue> MovedDeletes(List<List<BsonValue>> parts)
    {
        var firsts = parts.Select(part => part.OfType<BsonDocument>().GroupBy(DocumentOf).Where(g => g.Key is not null)
            .ToDictionary(g => g.Key!, g => g.First())).ToList();
        var moved = new HashSet<BsonValue>(ReferenceEqualityComparer.Instance);
        for (var shard = 0; shard < firsts.Count; shard++)
            foreach (var (document, first) in firsts[shard])
                if (first.GetValue("op", "") == "d" && firsts.Where((_, other) => other != shard).Any(f => f.ContainsKey(document)))
                    moved.Add(first);
        return moved;
    }

    /// <summary>The namespace and _id an insert, update or delete writes ("ns|" and the _id's BSON), or null for a command.</summary>
    private static string? DocumentOf(BsonDocument operation)
    {
        var id = operation.GetValue("op", "").AsString switch
        {
            "i" or "d" => operation.GetValue("o", BsonNull.Value) is BsonDocument o ? o.GetValue("_id", BsonNull.Value) : BsonNull.Value,
            "u" => operation.GetValue("o2", BsonNull.Value) is BsonDocument o2 ? o2.GetValue("_id", BsonNull.Value) : BsonNull.Value,
            _ => BsonNull.Value,
        };
        return id.IsBsonNull ? null : operation.GetValue("ns", "").AsString + "|" + Convert.ToHexString(new BsonDocument("_id", id).ToBson());
    }

    /// <summary>An entry given to the replay; <paramref name="CommittedAt"/> is the commitTimestamp of a whole cross-shard transaction, null for any other entry.</summary>
    public readonly record struct Given(byte[] Raw, OplogTimestamp? CommittedAt = null);

    private sealed class Pending
    {
        public Dictionary<int, List<byte[]>> Entries { get; } = [];
        public HashSet<int> PreparedOn { get; } = [];
        public HashSet<int> CommittedOn { get; } = [];
        /// <summary>The commitTimestamp the first commit entry read named.</summary>
        public OplogTimestamp? CommitTimestamp { get; set; }
        /// <summary>The newest prepare read, and its wall time.</summary>
        public OplogTimestamp? NewestPrepare { get; set; }
        public BsonValue NewestPrepareWall { get; set; } = BsonNull.Value;

        /// <summary>The earliest commitTimestamp this transaction may have; null for an unprepared chain.</summary>
        public OplogTimestamp? EarliestCommit => CommitTimestamp ?? NewestPrepare;
    }
}
