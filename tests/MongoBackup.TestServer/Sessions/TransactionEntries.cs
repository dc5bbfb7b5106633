using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// Packs a transaction's operations into the applyOps oplog entries MongoDB 4.2+ writes for it (transaction_operations.cpp,
/// packOperationsIntoApplyOps and logOplogEntries): an entry takes operations while their serialized sizes (plus 8 bytes of
/// array overhead each) stay within 16 MiB (BSONObjMaxUserSize; a single larger operation goes alone) and their number
/// within maxNumberOfTransactionOperationsInSingleOplogEntry. Every entry but the last carries partialTxn: true; the last
/// carries prepare: true when the transaction is being prepared, and count (the total number of operations, a long) when
/// it is not the only one. Each is {lsid, txnNumber, op: "c", ns: "admin.$cmd", o: {applyOps: [...], ...}}; the oplog adds
/// ts, t, v, wall and the prevOpTime links. Compared with mongorestore/testdata/transactions.json and the 8.0 captures
/// under mongorestore/testdata/oplogs/bson.
/// </summary>
internal static class TransactionEntries
{
    public const int MaxOperationBytesPerEntry = 16 * 1024 * 1024;
    private const int ArrayElementOverhead = 8; // TransactionOperations::ApplyOpsInfo::kBSONArrayElementOverhead

    public static List<BsonDocument> Build(BsonDocument lsid, long txnNumber, IReadOnlyList<BsonDocument> operations,
        int maxOperationsPerEntry, bool prepare)
    {
        var entries = new List<BsonDocument>();
        if (operations.Count == 0)
        {
            // An empty transaction commits without an entry; an empty prepare still writes one (onTransactionPrepare).
            if (prepare) entries.Add(Entry(lsid, txnNumber, new BsonDocument { { "applyOps", new BsonArray() }, { "prepare", true } }));
            return entries;
        }
        var next = 0;
        while (next < operations.Count)
        {
            var first = next == 0;
            var batch = new BsonArray();
            long bytes = 0;
            while (next < operations.Count && batch.Count < maxOperationsPerEntry)
            {
                long size = BsonBytes.Of(operations[next]).Length;
                if (batch.Count > 0 && bytes + size > MaxOperationBytesPerEntry) break;
                batch.Add(operations[next++]);
                bytes += size + ArrayElementOverhead;
            }
            var last = next == operations.Count;
            var o = new BsonDocument("applyOps", batch);
            if (last && prepare) o.Add("prepare", true);
            if (!last) o.Add("partialTxn", true);
            if (last && !first) o.Add("count", (long)operations.Count);
            entries.Add(Entry(lsid, txnNumber, o));
        }
        return entries;
    }

    /// <summary>The commitTransaction or abortTransaction entry of a prepared transaction (logCommitOrAbortForPreparedTransaction).</summary>
    public static BsonDocument Decision(BsonDocument lsid, long txnNumber, BsonDocument o) => Entry(lsid, txnNumber, o);

    private static BsonDocument Entry(BsonDocument lsid, long txnNumber, BsonDocument o) => new()
    {
        { "lsid", lsid }, { "txnNumber", txnNumber }, { "op", "c" }, { "ns", "admin.$cmd" }, { "o", o },
    };
}
