using MongoBackup.TestServer.Oplog;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Where the effects of one write go: its oplog entries to <see cref="Sink"/>, and (inside a transaction)
/// the actions that would take it back to <see cref="Undo"/>, run in reverse order on abort.
/// </summary>
internal sealed class WriteContext
{
    public WriteContext(IOplogSink sink, List<Action>? undo = null)
    {
        Sink = sink;
        Undo = undo;
    }

    public IOplogSink Sink { get; }
    public List<Action>? Undo { get; }

    public void OnUndo(Action action) => Undo?.Add(action);

    /// <summary>Sends an oplog entry, except for writes to the "local" database, which MongoDB never replicates.</summary>
    public void Log(string database, BsonDocument entry)
    {
        if (database != "local") Sink.Write(entry);
    }

    /// <summary>As <see cref="Log"/> for the insert of <paramref name="document"/>, stored bytes that never change.</summary>
    public void LogInsert(Collection collection, ReadOnlyMemory<byte> document)
    {
        if (collection.Database != "local") Sink.WriteInsert(collection, document);
    }
}
