using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Turns the shards' entries of one cluster-wide transaction into one committed transaction, or none. A transaction
/// that wrote on several shards is prepared on each (an applyOps with prepare: true, after any partialTxn entries of
/// that shard), and committed on each by a commitTransaction entry carrying the one commitTimestamp the coordinator chose
/// (src/mongo/db/s/transaction_coordinator.cpp; the test server's sharded mode writes the same). Here a shard's entries
/// are held until every shard that prepared it has its commitTransaction in what is read (each shard's oplog up to the
/// cut); then one applyOps entry holding every shard's operations is given out at the last commit, as a transaction
/// committed by itself is written, for <see cref="Oplog.Replay.TransactionGatherer"/> to apply whole. One that any shard
/// aborted, or that some shard had not committed by the cut, gives out nothing. Unprepared chains (a large transaction on
/// one shard: partialTxn entries closed by an applyOps) are given back in order at their closing entry.
/// </summary>
internal sealed class CrossShardTransactions
{
    private readonly Dictionary<(string Session, long Number), Pending> _pending = [];

    /// <summary>Transactions prepared and not committed on every shard in what was read (left out of the replay).</summary>
    public int Undecided => _pending.Count;

    /// <summary>What to give the replay for <paramref name="entry"/> read from shard <paramref name="shard"/>: itself, nothing (held or dropped), or a whole transaction.</summary>
    public IReadOnlyList<byte[]> Take(int shard, BsonDocument entry, byte[] raw)
    {
        if (!IsTransactionCommand(entry, out var command, out var o)) return [raw];
        var key = (Convert.ToHexString(entry["lsid"].AsBsonDocument.ToBson()), entry["txnNumber"].ToInt64());
        switch (command)
        {
            case "abortTransaction":
                _pending.Remove(key);
                return [];
            case "commitTransaction":
                if (!_pending.TryGetValue(key, out var prepared)) return [raw]; // the replay says what is missing
                prepared.CommittedOn.Add(shard);
                if (!prepared.PreparedOn.IsSubsetOf(prepared.CommittedOn)) return [];
                _pending.Remove(key);
                return [Combined(entry, prepared)];
        }
        var partial = o.GetValue("partialTxn", false).ToBoolean();
        var prepare = o.GetValue("prepare", false).ToBoolean();
        if (!partial && !prepare)
        {
            // Closes an unprepared chain of this shard (or is a transaction by itself): given back in order.
            if (!_pending.TryGetValue(key, out var chain) || !chain.Entries.Remove(shard, out var held)) return [raw];
            if (chain.Entries.Count == 0) _pending.Remove(key);
            return [.. held, raw];
        }
        if (!_pending.TryGetValue(key, out var pending)) _pending[key] = pending = new Pending();
        if (!pending.Entries.TryGetValue(shard, out var list)) pending.Entries[shard] = list = [];
        list.Add(raw);
        if (prepare) pending.PreparedOn.Add(shard);
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
    /// One applyOps entry at the last commit's place (ts, t, wall) with every shard's operations, in shard order, except that
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
        foreach (var field in new[] { "ts", "t", "wall", "lsid", "txnNumber" })
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

    private sealed class Pending
    {
        public Dictionary<int, List<byte[]>> Entries { get; } = [];
        public HashSet<int> PreparedOn { get; } = [];
        public HashSet<int> CommittedOn { get; } = [];
    }
}
