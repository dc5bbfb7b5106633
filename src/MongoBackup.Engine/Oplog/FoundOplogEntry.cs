using System.Globalization;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// One operation an oplog search found (<see cref="OplogSearch"/>): an entry of the oplog a repository holds, or one
/// operation inside a transaction's (or applyOps') entry, which carries that entry's timestamp.
/// </summary>
/// <param name="Timestamp">The oplog entry's ts (for an operation in a transaction, the ts of the entry that holds it).</param>
/// <param name="WallTime">The entry's wall time, to the millisecond; null for an entry older servers wrote without one.</param>
/// <param name="Operation">Insert, Update, Delete, Noop, or a command as MongoDB names it with its first letter capital
/// (Drop, DropDatabase, RenameCollection, Create, CreateIndexes, ...); another op code as the oplog writes it.</param>
/// <param name="Namespace">The namespace it changes: "db.collection" (for a command, the collection it names; a
/// renameCollection's source), a database's name for dropDatabase and the commands on no collection.</param>
/// <param name="Summary">A short description: the _id written, the command's document, shortened.</param>
/// <param name="SnapshotId">The snapshot (oplog slice or full snapshot) whose oplog holds it.</param>
public sealed record FoundOplogEntry(OplogTimestamp Timestamp, DateTimeOffset? WallTime, string Operation, string Namespace, string Summary, string SnapshotId)
{
    /// <summary>A renameCollection's target namespace; null for every other operation.</summary>
    public string? RenamedTo { get; init; }

    /// <summary>True when <see cref="Namespace"/> is a database (dropDatabase, a command on no collection).</summary>
    public bool NamespaceIsDatabase { get; init; }

    /// <summary>
    /// True for an operation of a transaction: inside an applyOps entry written for a session's transaction (lsid and
    /// txnNumber, no multiOpType). False for one inside an applyOps entry that is not a transaction: a batched write
    /// (multiOpType, such as MongoDB 8.0's retryable insertMany, whose inserts are "applied separately", multiOpType 1:
    /// oplog_entry.idl, featureFlagReplicateVectoredInsertsTransactionally) or an applyOps command without a session.
    /// </summary>
    public bool InTransaction { get; init; }

    /// <summary>
    /// The last moment before this entry: one increment earlier (Timestamp(s, i-1); for increment 0, the last possible
    /// timestamp of the second before, Timestamp(s-1, 4294967295)). No entry lies between it and this one, since the
    /// oplog orders entries by timestamp and no two share one, so a restore to it holds everything up to this entry and
    /// nothing of it (a transaction applies whole at its commit entry or not at all).
    /// </summary>
    public OplogTimestamp JustBefore => Timestamp.Increment > 0
        ? new OplogTimestamp(Timestamp.Seconds, Timestamp.Increment - 1)
        : new OplogTimestamp(Timestamp.Seconds - 1, uint.MaxValue);

    private const int SummaryLength = 60;
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell, Indent = false };

    /// <summary>
    /// The operations of one oplog entry: itself, or for an applyOps command (a transaction's entry, or applyOps a user
    /// ran) each operation it holds, with the entry's timestamp and wall time. Field meanings are MongoDB's
    /// (src/mongo/db/repl/oplog_entry.idl: op, ns, o, o2, ts, wall; applyOps' ops are entries without ts).
    /// </summary>
    public static IEnumerable<FoundOplogEntry> Of(BsonDocument entry, string snapshotId)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var ts = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
        DateTimeOffset? wall = entry.TryGetValue("wall", out var w) && w.IsValidDateTime
            ? DateTimeOffset.FromUnixTimeMilliseconds(w.AsBsonDateTime.MillisecondsSinceEpoch) : null;
        return Of(entry, ts, wall, snapshotId, inTransaction: false);
    }

    private static IEnumerable<FoundOplogEntry> Of(BsonDocument entry, OplogTimestamp ts, DateTimeOffset? wall, string snapshotId, bool inTransaction)
    {
        var op = entry.GetValue("op", BsonNull.Value) is BsonString { Value: var code } ? code : "";
        var ns = entry.GetValue("ns", BsonNull.Value) is BsonString { Value: var name } ? name : "";
        var o = entry.GetValue("o", BsonNull.Value) as BsonDocument ?? [];
        if (op == "c" && o.ElementCount > 0 && o.GetElement(0).Name == "applyOps" && o[0] is BsonArray ops)
        {
            var ofTransaction = inTransaction || IsTransactionEntry(entry);
            foreach (var inner in ops.OfType<BsonDocument>())
                foreach (var found in Of(inner, ts, wall, snapshotId, ofTransaction))
                    yield return found;
            yield break;
        }
        yield return op switch
        {
            "i" => new FoundOplogEntry(ts, wall, "Insert", ns, IdSummary(o), snapshotId) { InTransaction = inTransaction },
            "u" => new FoundOplogEntry(ts, wall, "Update", ns, IdSummary(entry.GetValue("o2", BsonNull.Value) as BsonDocument ?? []), snapshotId) { InTransaction = inTransaction },
            "d" => new FoundOplogEntry(ts, wall, "Delete", ns, IdSummary(o), snapshotId) { InTransaction = inTransaction },
            "n" => new FoundOplogEntry(ts, wall, "Noop", ns, o.GetValue("msg", BsonNull.Value) is BsonString { Value: var msg } ? Shorten(msg) : Json(o), snapshotId) { InTransaction = inTransaction },
            "c" => Command(ns, o, ts, wall, snapshotId, inTransaction),
            _ => new FoundOplogEntry(ts, wall, op, ns, Json(o), snapshotId) { InTransaction = inTransaction },
        };
    }

    /// <summary>
    /// Whether an applyOps entry is a transaction's: a session's (lsid and txnNumber) without a multiOpType, which
    /// marks a batched write instead (oplog_entry.idl: multiOpType kApplyOpsAppliedSeparately = 1 for 8.0's grouped
    /// retryable inserts; TransactionGatherer reads the same fields to gather transactions for a replay).
    /// </summary>
    private static bool IsTransactionEntry(BsonDocument entry) =>
        entry.Contains("lsid") && entry.Contains("txnNumber") && !entry.Contains("multiOpType");

    /// <summary>
    /// A command entry (ns "db.$cmd", o the command, its first field's name the command's): the collection it names as
    /// its namespace, where its first field names one (drop, create, createIndexes, collMod, dropIndexes, the index
    /// builds); renameCollection's first field is the whole source namespace and "to" the target.
    /// </summary>
    private static FoundOplogEntry Command(string ns, BsonDocument o, OplogTimestamp ts, DateTimeOffset? wall, string snapshotId, bool inTransaction)
    {
        var database = ns.EndsWith(".$cmd", StringComparison.Ordinal) ? ns[..^".$cmd".Length] : ns;
        var command = o.ElementCount == 0 ? "" : o.GetElement(0).Name;
        var first = o.ElementCount == 0 ? BsonNull.Value : o[0];
        var operation = command.Length == 0 ? "Command" : char.ToUpperInvariant(command[0]) + command[1..];
        var summary = Json(o);
        if (command == "renameCollection" && first is BsonString { Value: var from })
        {
            var to = o.GetValue("to", BsonNull.Value) is BsonString { Value: var target } ? target : null;
            return new FoundOplogEntry(ts, wall, operation, from, to is null ? summary : Shorten($"to {to}"), snapshotId) { RenamedTo = to, InTransaction = inTransaction };
        }
        if (command != "dropDatabase" && first is BsonString { Value: var collection } && collection.Length > 0)
            return new FoundOplogEntry(ts, wall, operation, $"{database}.{collection}", summary, snapshotId) { InTransaction = inTransaction };
        return new FoundOplogEntry(ts, wall, operation, database, summary, snapshotId) { NamespaceIsDatabase = true, InTransaction = inTransaction };
    }

    private static string IdSummary(BsonDocument document) =>
        document.TryGetValue("_id", out var id) ? Shorten("_id: " + id.ToJson(Shell)) : Json(document);

    private static string Json(BsonDocument document) => Shorten(document.ToJson(Shell));

    private static string Shorten(string text) =>
        text.Length <= SummaryLength ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..(SummaryLength - 3)]}...");
}
