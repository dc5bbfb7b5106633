using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// Sends captured oplog entries to a server the way mongorestore --oplogReplay does (mongorestore/oplog.go, HandleOp):
/// no-ops, config.* and the index build's start and abort are skipped; a transaction's operations are gathered until its
/// commit (an applyOps without partialTxn or prepare, or a commitTransaction) and then applied one by one, and dropped at an
/// abort (common/txn); a retryable batched insert (multiOpType 1) is not a transaction and its operations are applied one
/// by one; createIndexes and commitIndexBuild become createIndexes commands; everything else goes alone in an applyOps,
/// without the source's collection UUID (ui), with the given bypassDocumentValidation.
/// </summary>
public sealed class MongorestoreReplay(IMongoClient client, bool bypassDocumentValidation = false)
{
    private static readonly HashSet<string> SkippedCommands = ["startIndexBuild", "abortIndexBuild", "setMultikeyMetadata", "dropIdent"];
    private readonly Dictionary<string, List<BsonDocument>> _transactions = new();

    public void Apply(IEnumerable<BsonDocument> entries)
    {
        foreach (var entry in entries) Apply(entry);
    }

    public void Apply(BsonDocument op)
    {
        var ns = op.GetValue("ns", "").AsString;
        if (ns.StartsWith("config.", StringComparison.Ordinal) || op["op"].AsString is "n" or "cd" or "ci" or "cu" or "km") return;
        var o = op["o"].AsBsonDocument;
        if (op["op"] == "c" && SkippedCommands.Contains(o.GetElement(0).Name)) return;
        if (IsTransaction(op)) HandleTransaction(op, o);
        else HandleNonTransaction(op);
    }

    private static bool IsTransaction(BsonDocument op) =>
        !(op.GetValue("multiOpType", 0).ToInt32() == 1) && op.Contains("lsid") && op.Contains("txnNumber") && op["op"] == "c" &&
        op["o"].AsBsonDocument.Names.Any(n => n is "applyOps" or "commitTransaction" or "abortTransaction");

    private void HandleTransaction(BsonDocument op, BsonDocument o)
    {
        var id = op["lsid"]["id"].ToString() + "/" + op["txnNumber"];
        if (o.Contains("abortTransaction"))
        {
            _transactions.Remove(id);
            return;
        }
        if (!_transactions.TryGetValue(id, out var buffered)) _transactions[id] = buffered = new List<BsonDocument>();
        if (o.Contains("applyOps")) buffered.AddRange(o["applyOps"].AsBsonArray.Select(e => e.AsBsonDocument));
        var commits = o.Contains("commitTransaction") || !(o.Contains("partialTxn") || o.Contains("prepare"));
        if (!commits) return;
        _transactions.Remove(id);
        foreach (var inner in buffered) HandleNonTransaction(inner);
    }

    private void HandleNonTransaction(BsonDocument op)
    {
        var copy = new BsonDocument(op);
        copy.Remove("ui");
        if (copy["op"] == "c")
        {
            var o = copy["o"].AsBsonDocument;
            var db = copy["ns"].AsString.Split('.', 2)[0];
            switch (o.GetElement(0).Name)
            {
                case "commitIndexBuild":
                    CreateIndexes(db, o["commitIndexBuild"].AsString, o["indexes"].AsBsonArray);
                    return;
                case "createIndexes":
                    CreateIndexes(db, o["createIndexes"].AsString, [new BsonDocument(o.Skip(1))]);
                    return;
                case "applyOps":
                    foreach (var inner in o["applyOps"].AsBsonArray) Apply(inner.AsBsonDocument);
                    return;
            }
        }
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument
        {
            { "applyOps", new BsonArray { copy } }, { "bypassDocumentValidation", bypassDocumentValidation },
        });
    }

    private void CreateIndexes(string db, string collection, BsonArray specs)
    {
        var indexes = new BsonArray(specs.Select(s =>
        {
            var spec = new BsonDocument(s.AsBsonDocument);
            spec.Remove("ns");
            return spec;
        }));
        client.GetDatabase(db).RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", collection }, { "indexes", indexes } });
    }
}
