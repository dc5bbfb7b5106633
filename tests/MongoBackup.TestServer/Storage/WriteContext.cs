using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Sessions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Where the effects of one write go: its oplog entries to <see cref="Sink"/>, and (inside a transaction) the steps
/// that take it back (run in reverse order on abort, or at prepare to hide the writes) and, for document writes, do it
/// again (run in order when a prepared transaction commits).
/// </summary>
internal sealed class WriteContext
{
    public WriteContext(IOplogSink sink, List<WriteStep>? steps = null)
    {
        Sink = sink;
        Steps = steps;
    }

    public IOplogSink Sink { get; }
    public List<WriteStep>? Steps { get; }

    /// <summary>The transaction these writes belong to (null outside transactions): other readers do not see them until it commits.</summary>
    public Transaction? Owner { get; init; }

    private HashSet<Collection>? _touched;

    /// <summary>The collections whose records the transaction wrote.</summary>
    public IEnumerable<Collection> Touched => _touched ?? Enumerable.Empty<Collection>();

    /// <summary>
    /// Inside a transaction, notes that it wrote the record (<paramref name="committed"/>: its bytes before, null for an
    /// insert), which other readers then see as it was (see <see cref="UncommittedWrites"/>); nothing outside transactions.
    /// </summary>
    public void Wrote(Collection collection, long recordId, ReadOnlyMemory<byte>? committed)
    {
        if (Owner == null) return;
        collection.Uncommitted.Wrote(recordId, Owner, committed);
        (_touched ??= new HashSet<Collection>()).Add(collection);
    }

    /// <summary>Throws <see cref="WriteConflict"/> when the record belongs to another open transaction.</summary>
    public void CheckWritable(Collection collection, long recordId) => WriteConflict.Check(collection, recordId, Owner);

    /// <summary>Records how to take a write back and, when it can be, how to do it again; nothing outside transactions.</summary>
    public void OnUndo(Action undo, Action? redo = null) => Steps?.Add(new WriteStep(undo, redo));

    /// <summary>Sends an oplog entry, except for writes to the "local" database, which MongoDB never replicates.</summary>
    public void Log(string database, BsonDocument entry)
    {
        if (database != "local") Sink.Write(entry);
    }

    /// <summary>As <see cref="Log"/> for the insert of <paramref name="document"/>, stored bytes that never change.</summary>
    public void LogInsert(Collection collection, ReadOnlyMemory<byte> document)
    {
        if (collection.Database == "local") return;
        // A sharded collection's entry carries its document key, shard key included: the general form.
        if (collection.ShardKey is null) Sink.WriteInsert(collection, document);
        else Sink.Write(IOplogSink.InsertEntry(collection, document));
    }
}

/// <summary>One write of a transaction: how to take it back, and (null for catalog changes) how to do it again.</summary>
internal readonly record struct WriteStep(Action Undo, Action? Redo);
