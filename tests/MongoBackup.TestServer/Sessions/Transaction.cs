using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>Where a multi-document transaction stands.</summary>
internal enum TransactionState
{
    InProgress,
    Prepared,
    Committed,
    Aborted,
}

/// <summary>
/// One multi-document transaction of a session. Its writes are applied at once (so the session reads them back), with
/// the steps that take them back and do them again; their oplog entries are held back until <see cref="TransactionLog"/>
/// writes them at commit or prepare. Until it ends, other readers see the records it wrote as last committed, and
/// others' writes to them conflict (<see cref="UncommittedWrites"/>). A prepared transaction's writes are taken back
/// (other readers must not see them) and done again when it commits. MongoDB makes a reader of a prepared document wait
/// for the outcome; this server shows the document as it was before the transaction instead, and does not refuse other
/// sessions' writes to it.
/// </summary>
internal sealed class Transaction : IOplogSink
{
    private readonly List<BsonDocument> _operations = new();
    private readonly List<WriteStep> _steps = new();
    private readonly WriteContext _context;

    private readonly Action _ended;

    /// <param name="ended">Called when it commits, aborts or is prepared: writes that waited for its records may go on.</param>
    public Transaction(BsonDocument lsid, long txnNumber, Action ended)
    {
        Lsid = lsid;
        TxnNumber = txnNumber;
        _context = new WriteContext(this, _steps) { Owner = this };
        _ended = ended;
    }

    /// <summary>The session id as the server records it, uid included (<see cref="LogicalSessionId"/>).</summary>
    public BsonDocument Lsid { get; }
    public long TxnNumber { get; }
    public TransactionState State { get; private set; } = TransactionState.InProgress;

    /// <summary>The oplog entries of the transaction's writes, in order, as they go into applyOps.</summary>
    public IReadOnlyList<BsonDocument> Operations => _operations;

    /// <summary>The optime {ts, t} of the prepare entry, once prepared.</summary>
    public BsonDocument? PrepareOpTime { get; private set; }

    public BsonTimestamp? PrepareTimestamp => PrepareOpTime?["ts"].AsBsonTimestamp;

    /// <summary>True when the transaction created collections or indexes, which MongoDB does not let a transaction prepare.</summary>
    public bool ChangedCatalog => _steps.Any(step => step.Redo == null);

    /// <summary>Where the transaction's writes go; only while it is in progress.</summary>
    public WriteContext Context => State switch
    {
        TransactionState.InProgress => _context,
        // transaction_participant.cpp, unstashTransactionResources on a prepared transaction.
        TransactionState.Prepared => throw new CommandFailure(267, "PreparedTransactionInProgress",
            "Cannot call any operation other than abort, prepare or commit on a prepared transaction"),
        _ => throw CommandFailure.NoSuchTransaction($"Transaction with {{ txnNumber: {TxnNumber} }} has been {(State == TransactionState.Committed ? "committed" : "aborted")}."),
    };

    public void Write(BsonDocument entry) => _operations.Add(entry);

    /// <summary>Hides the transaction's writes from everyone until it commits.</summary>
    public void MarkPrepared(BsonDocument prepareOpTime)
    {
        for (var i = _steps.Count - 1; i >= 0; i--) _steps[i].Undo();
        PrepareOpTime = prepareOpTime;
        State = TransactionState.Prepared;
        ReleaseWrites();
    }

    public void MarkCommitted()
    {
        if (State == TransactionState.Prepared)
            foreach (var step in _steps) step.Redo!();
        _steps.Clear();
        State = TransactionState.Committed;
        ReleaseWrites();
    }

    /// <summary>Takes back the writes of an in-progress transaction (a prepared one already has none in place).</summary>
    public void Abort()
    {
        if (State == TransactionState.InProgress)
            for (var i = _steps.Count - 1; i >= 0; i--) _steps[i].Undo();
        _steps.Clear();
        _operations.Clear();
        State = TransactionState.Aborted;
        ReleaseWrites();
    }

    /// <summary>Its records are no longer its own: what is stored is what everyone reads.</summary>
    private void ReleaseWrites()
    {
        foreach (var collection in _context.Touched) collection.Uncommitted.Release(this);
        _ended();
    }
}
