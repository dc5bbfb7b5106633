using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Which commands may run holding the data lock only shared: a plain insert (not in a transaction) into an existing,
/// ordinary, uncapped, non-system collection. Such an insert touches only that collection (under its
/// <see cref="Collection.WriteSync"/>) and the oplog (under its own append lock); anything that could create, drop or
/// rename a namespace, run a transaction, trim a capped collection or write a time-series bucket stays exclusive.
/// </summary>
internal static class SharedInsertAdmission
{
    public static bool MayTry(BsonDocument body) => body.GetElement(0).Name == "insert";

    /// <summary>Called holding the data lock shared; the collection to lock, or null to run exclusively.</summary>
    public static Collection? TargetOf(Catalog catalog, BsonDocument body, string database)
    {
        if (body[0] is not BsonString name) return null;
        // Same test as TransactionRegistry.ForCommand: autocommit: false marks a transaction statement.
        if (body.TryGetValue("autocommit", out var autocommit) && !autocommit.ToBoolean()) return null;
        if (name.Value.StartsWith("system.", StringComparison.Ordinal)) return null;
        var collection = catalog.Find(database, name.Value);
        if (collection == null || collection.Kind != CollectionKind.Collection || collection.IsCapped) return null;
        // An open transaction's records there: a conflicting insert may have to wait for it, which needs the lock exclusively.
        if (!collection.Uncommitted.IsEmpty) return null;
        return collection;
    }
}
