using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Transactions written in the forms of mongo-tools' captures (transactions.json), aimed at a test's own namespace:
/// a large one as a chain of partialTxn applyOps entries closed by a committing entry with count, and a prepared one
/// as an applyOps with prepare: true decided by commitTransaction. Entries are unstamped: <see cref="HandWrittenSlices"/>
/// gives them timestamps and links prevOpTime.
/// </summary>
public static class TransactionChains
{
    /// <summary>One entry per batch of documents; all but the last carry partialTxn, the last the count.</summary>
    public static List<BsonDocument> Large(string ns, IReadOnlyList<IReadOnlyList<BsonDocument>> batches, long txnNumber = 1)
    {
        var template = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var entries = new List<BsonDocument>();
        var count = 0;
        for (var i = 0; i < batches.Count; i++)
        {
            var last = i == batches.Count - 1;
            var entry = (last ? template[^1] : template[0]).DeepClone().AsBsonDocument;
            var body = new BsonDocument("applyOps", new BsonArray(batches[i].Select(d => Insert(ns, d))));
            count += batches[i].Count;
            if (last) body["count"] = count; else body["partialTxn"] = true;
            entry["o"] = body;
            entry["txnNumber"] = txnNumber;
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>The prepare entry (inserting <paramref name="documents"/>) and its commitTransaction entry.</summary>
    public static (BsonDocument Prepare, BsonDocument Commit) Prepared(string ns, IReadOnlyList<BsonDocument> documents, long txnNumber = 1)
    {
        var template = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "small, prepared, committed").Entries;
        var prepare = template[0].DeepClone().AsBsonDocument;
        prepare["o"] = new BsonDocument { { "applyOps", new BsonArray(documents.Select(d => Insert(ns, d))) }, { "prepare", true } };
        prepare["txnNumber"] = txnNumber;
        var commit = template[1].DeepClone().AsBsonDocument;
        commit["txnNumber"] = txnNumber;
        return (prepare, commit);
    }

    private static BsonDocument Insert(string ns, BsonDocument document) => new()
    {
        { "op", "i" }, { "ns", ns }, { "ui", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "o", document },
    };
}
