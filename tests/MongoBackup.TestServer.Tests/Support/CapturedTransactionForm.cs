using System.Security.Cryptography;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// The form MongoDB 7.0/8.0 writes for an entry of mongorestore/testdata/transactions.json. That file was written by hand
/// for MongoDB 4.2 tests; where today's server writes the same entry differently the difference is made here, each with its
/// source, and everything else is taken from the capture as it is:
/// - top-level order lsid, txnNumber, op, ns, o, ts, t, v, wall, prevOpTime, and v and wall present: the 8.0 capture
///   oplogs/bson/vectored_insert.bson (its multiOpType marks a retryable batched insert, not a transaction);
/// - lsid carries uid, SHA-256 of "" without authentication: vectored_insert.bson;
/// - an operation is {op, ns, ui, o, o2}, an insert's o2 its {_id}: op_observer_impl.cpp (makeInsertOperation with the
///   document key) and vectored_insert.bson; an update logs the $v: 2 diff of its $set, not the $set (5.0+ update oplog);
/// - count is a long, and closes a chain whose last entry is a prepare as well as a commit: transaction_operations.cpp
///   ("included on a non-initial implicit commit or prepare entry", SERVER-40676, after the file was written);
/// - prevOpTime of a commit or abort of a prepared transaction is the prepare entry's optime (op_observer_impl.cpp,
///   logCommitOrAbortForPreparedTransaction uses the transaction's last write), checked by the caller, not from the file.
/// </summary>
public static class CapturedTransactionForm
{
    /// <summary>Paths whose values differ from run to run; only their types are compared.</summary>
    public static readonly string[] Varying =
        ["lsid.id", "txnNumber", "ts", "wall", "prevOpTime.ts", "prevOpTime.t", "o.applyOps.[].ui", "o.commitTimestamp"];

    /// <summary>The forms of a capture's entries, in order.</summary>
    public static List<BsonDocument> Of(IReadOnlyList<BsonDocument> captured)
    {
        var forms = captured.Select(Of).ToList();
        var chain = forms.Where(f => f["o"].AsBsonDocument.Contains("applyOps")).ToList();
        if (chain.Count > 1 && chain[^1]["o"].AsBsonDocument is { } last && last.Contains("prepare") && !last.Contains("count"))
            last.Add("count", (long)Operations(chain).Count());
        return forms;
    }

    private static BsonDocument Of(BsonDocument captured)
    {
        var o = captured["o"].AsBsonDocument;
        var form = new BsonDocument
        {
            { "lsid", new BsonDocument { { "id", captured["lsid"]["id"] }, { "uid", new BsonBinaryData(SHA256.HashData([]), BsonBinarySubType.Binary) } } },
            { "txnNumber", captured["txnNumber"] }, { "op", captured["op"] }, { "ns", captured["ns"] }, { "o", Object(o) },
            { "ts", captured["ts"] }, { "t", captured["t"] }, { "v", 2L }, { "wall", new BsonDateTime(0) },
            { "prevOpTime", captured["prevOpTime"] },
        };
        return form;
    }

    private static BsonDocument Object(BsonDocument o)
    {
        if (!o.Contains("applyOps")) return o;
        var form = new BsonDocument("applyOps", new BsonArray(o["applyOps"].AsBsonArray.Select(op => Operation(op.AsBsonDocument))));
        foreach (var element in o.Skip(1)) form.Add(element.Name, element.Name == "count" ? new BsonInt64(element.Value.ToInt64()) : element.Value);
        return form;
    }

    private static BsonDocument Operation(BsonDocument op)
    {
        var form = new BsonDocument { { "op", op["op"] }, { "ns", op["ns"] }, { "ui", op["ui"] } };
        switch (op["op"].AsString)
        {
            case "i":
                form.Add("o", op["o"]).Add("o2", new BsonDocument("_id", op["o"]["_id"]));
                break;
            case "u":
                form.Add("o", new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("u", op["o"]["$set"]) } }).Add("o2", op["o2"]);
                break;
            default:
                form.Add("o", op["o"]);
                break;
        }
        return form;
    }

    /// <summary>The operations of the capture's applyOps entries, in order, as driver writes replay them.</summary>
    public static IEnumerable<BsonDocument> Operations(IEnumerable<BsonDocument> entries) =>
        entries.Where(e => e["o"].AsBsonDocument.Contains("applyOps")).SelectMany(e => e["o"]["applyOps"].AsBsonArray.Select(op => op.AsBsonDocument));
}
