using MongoBackup.TestServer.Sessions;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A write to a record an open transaction owns (see <see cref="UncommittedWrites"/>), by anyone but that transaction.
/// MongoDB answers another transaction's such write with WriteConflict (112) and aborts that transaction, and makes a
/// write outside transactions wait until the owner ends (https://www.mongodb.com/docs/manual/core/transactions-production-consideration/,
/// "In-progress Transactions and Write Conflicts"); the write commands do both (see Commands.WriteConflictRetry).
/// </summary>
internal sealed class WriteConflict(Transaction owner) : Exception(Text)
{
    /// <summary>MongoDB's message for code 112 (write_conflict_exception.cpp).</summary>
    public const string Text =
        "WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.";

    /// <summary>The open transaction that owns the record.</summary>
    public Transaction Owner { get; } = owner;

    /// <summary>Set when the writer was a transaction, which the conflict aborted.</summary>
    public bool AbortedTransaction { get; set; }

    /// <summary>Throws when a record <paramref name="writer"/> (a transaction, or null) is about to write belongs to another open transaction.</summary>
    public static void Check(Collection collection, long recordId, Transaction? writer)
    {
        if (collection.Uncommitted.IsEmpty) return;
        if (collection.Uncommitted.OwnerOf(recordId) is { } owner && !ReferenceEquals(owner, writer)) throw new WriteConflict(owner);
    }

    /// <summary>
    /// Throws when an insert of <paramref name="id"/> meets a record of that _id another open transaction inserted, or
    /// a committed one it deleted: the key is that transaction's until it ends.
    /// </summary>
    public static void CheckInsert(Collection collection, MongoDB.Bson.BsonValue? id, Transaction? writer)
    {
        if (collection.Uncommitted.IsEmpty || id == null) return;
        if (collection.FindById(id) is { } existing) Check(collection, existing, writer);
        var deleter = collection.Uncommitted.DeleterOf(bytes => collection.Order.Equals(new StoredBsonDocument(bytes).GetValue("_id", MongoDB.Bson.BsonNull.Value), id));
        if (deleter != null && !ReferenceEquals(deleter, writer)) throw new WriteConflict(deleter);
    }
}
