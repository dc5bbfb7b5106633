using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// One multi-document transaction of a session. Its writes are applied at once (so the session reads them back)
/// with undo actions kept for abort, and their oplog entries are held back: commit writes them as one
/// {op: "c", ns: "admin.$cmd", o: {applyOps: [...]}} entry, as MongoDB does.
/// </summary>
internal sealed class Transaction : IOplogSink
{
    private readonly List<BsonDocument> _operations = new();
    private readonly List<Action> _undo = new();

    public Transaction(BsonDocument lsid, long txnNumber)
    {
        Lsid = lsid;
        TxnNumber = txnNumber;
        Context = new WriteContext(this, _undo);
    }

    public BsonDocument Lsid { get; }
    public long TxnNumber { get; }
    public WriteContext Context { get; }
    public bool IsCommitted { get; private set; }

    public void Write(BsonDocument entry) => _operations.Add(entry);

    public void Commit(IOplogSink oplog)
    {
        if (IsCommitted) return;
        IsCommitted = true;
        if (_operations.Count == 0) return;
        oplog.Write(new BsonDocument
        {
            { "lsid", Lsid }, { "txnNumber", TxnNumber }, { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", new BsonArray(_operations)) },
            { "prevOpTime", new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } } },
        });
    }

    public void Abort()
    {
        for (var i = _undo.Count - 1; i >= 0; i--) _undo[i]();
        _undo.Clear();
        _operations.Clear();
    }
}
