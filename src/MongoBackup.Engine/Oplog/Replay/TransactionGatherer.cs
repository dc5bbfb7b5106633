using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Holds the entries of multi-entry transactions until their outcome is in the oplog, so a replay applies a
/// transaction whole at its commit, or not at all. One gatherer serves a whole replay (a snapshot's own oplog and
/// the slices after it), so a transaction that spans them is carried across. The forms, as MongoDB 4.0-8.0 write them
/// (mongo-tools' captures transactions.json and oplog_entries.json; src/mongo/db/repl/oplog_entry.idl), all applyOps
/// commands with the session's lsid and txnNumber:
/// <list type="bullet">
/// <item>a small transaction: one applyOps (no partialTxn, no prepare), committed by itself;</item>
/// <item>a large one (4.2+): applyOps entries with partialTxn: true, each linked to the one before by prevOpTime,
/// closed by an applyOps without partialTxn (with the count of operations);</item>
/// <item>a prepared one (shards of a cluster): its last applyOps carries prepare: true; a later commitTransaction entry
/// applies it, an abortTransaction entry drops it.</item>
/// </list>
/// Not transactions: entries without lsid or txnNumber, CRUD entries of retryable writes, commands other than applyOps,
/// commitTransaction and abortTransaction, and applyOps with a multiOpType: a batched write (8.0's retryable vectored
/// inserts, multiOpType 1, each operation applied on its own; later servers' multiOpType 2, applied at once), whose
/// entries of one write may be linked by prevOpTime but each applies as it comes (src/mongo/db/repl/oplog_entry.cpp,
/// applyOpsIsLinkedTransactionally; a multiOpType "makes the entry a batched write"). Entries are kept as their raw
/// bytes: memory grows with the open transactions' size, which the source server itself held in memory until they
/// committed.
/// </summary>
public sealed class TransactionGatherer
{
    private readonly Dictionary<TransactionId, Gathering> _open = [];

    /// <summary>The transactions begun and not decided within what was added so far.</summary>
    public IReadOnlyList<OpenTransaction> Open =>
        _open.Values.Select(g => new OpenTransaction(g.First, g.Entries.Count, g.Prepared)).OrderBy(t => t.FirstEntry).ToList();

    /// <summary>Takes the next entry in oplog order; <paramref name="raw"/> is its bytes, kept while it waits.</summary>
    /// <exception cref="MongoBackupException">A commit whose transaction began before the entries this gatherer saw.</exception>
    public TransactionStep Add(BsonDocument entry, byte[] raw)
    {
        if (!IsTransaction(entry, out var command)) return TransactionStep.NotTransaction;
        var id = TransactionId.Of(entry);
        var ts = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
        switch (command)
        {
            case "abortTransaction":
                _open.Remove(id);
                return TransactionStep.Aborted;
            case "commitTransaction":
                if (!_open.Remove(id, out var prepared) || !prepared.Prepared || prepared.Broken)
                    throw Incomplete(entry, ts, "its prepared entries are not all in the oplog this replay reads");
                return Committed(prepared, extra: 1);
        }

        var o = entry["o"].AsBsonDocument;
        var previous = PreviousOpTime(entry);
        if (!_open.TryGetValue(id, out var gathering))
        {
            gathering = new Gathering(ts) { Broken = previous is not null };
            _open[id] = gathering;
        }
        else if (previous != gathering.Last)
        {
            gathering.Broken = true; // an entry of the chain is missing between the last one seen and this one
        }
        gathering.Entries.Add(raw);
        gathering.Last = ts;
        if (o.GetValue("partialTxn", false).ToBoolean()) return TransactionStep.Held;
        if (o.GetValue("prepare", false).ToBoolean())
        {
            gathering.Prepared = true;
            return TransactionStep.Held;
        }
        _open.Remove(id);
        if (gathering.Broken) throw Incomplete(entry, ts, "its first entries are not in the oplog this replay reads");
        var step = Committed(gathering, extra: 0);
        if (o.TryGetValue("count", out var count) && count.IsNumeric && count.ToInt64() != step.Operations.Count)
            throw Incomplete(entry, ts, $"it counts {count} operations and {step.Operations.Count} were found");
        return step;
    }

    private static bool IsTransaction(BsonDocument entry, out string command)
    {
        command = "";
        if (entry.GetValue("op", "") != "c" || !entry.Contains("lsid") || !entry.Contains("txnNumber")) return false;
        if (entry.Contains("multiOpType")) return false;
        if (entry.GetValue("o", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } o) return false;
        command = o.GetElement(0).Name;
        return command is "applyOps" or "commitTransaction" or "abortTransaction";
    }

    /// <summary>The prevOpTime's timestamp; null for the null optime {ts: Timestamp(0, 0), t: -1} or none (4.0).</summary>
    private static OplogTimestamp? PreviousOpTime(BsonDocument entry)
    {
        if (entry.GetValue("prevOpTime", BsonNull.Value) is not BsonDocument prev || prev.GetValue("ts", BsonNull.Value) is not BsonTimestamp ts)
            return null;
        return ts.Value == 0 ? (OplogTimestamp?)null : OplogTimestamp.FromBsonTimestamp(ts);
    }

    private static TransactionStep Committed(Gathering gathering, int extra)
    {
        var operations = new List<BsonDocument>();
        foreach (var raw in gathering.Entries)
        {
            var carrier = BsonSerializer.Deserialize<BsonDocument>(raw);
            foreach (var op in carrier["o"]["applyOps"].AsBsonArray)
            {
                var stamped = op.AsBsonDocument;
                foreach (var field in new[] { "ts", "t", "wall" })
                    if (carrier.TryGetValue(field, out var value)) stamped[field] = value;
                operations.Add(stamped);
            }
        }
        return new TransactionStep(TransactionStepKind.Committed, operations, gathering.Entries.Count + extra);
    }

    private static MongoBackupException Incomplete(BsonDocument entry, OplogTimestamp ts, string why) => new(ErrorIds.OplogReplayFailed,
        $"The oplog entry at {ts} commits a transaction (txnNumber {entry["txnNumber"]}) that cannot be applied whole: {why}. " +
        "Applying only part of it would restore a state the source never had, so the replay stopped there; the entries before it were applied.");

    private sealed class Gathering(OplogTimestamp first)
    {
        public OplogTimestamp First { get; } = first;
        public OplogTimestamp? Last { get; set; }
        public List<byte[]> Entries { get; } = [];
        public bool Prepared { get; set; }
        /// <summary>The chain did not start at its first entry, or skips one: it can never be applied whole.</summary>
        public bool Broken { get; set; }
    }

    /// <summary>A transaction: its session (lsid, compared as BSON) and transaction number.</summary>
    private readonly record struct TransactionId(string Session, long Number)
    {
        public static TransactionId Of(BsonDocument entry) =>
            new(Convert.ToHexString(entry["lsid"].AsBsonDocument.ToBson()), entry["txnNumber"].ToInt64());
    }
}
