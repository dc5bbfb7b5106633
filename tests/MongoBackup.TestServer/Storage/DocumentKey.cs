using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The document key an oplog entry names a document by (o2 of inserts and updates, o of deletes): {_id} in an unsharded
/// collection; in a sharded one the shard key's fields as the document holds them (not hashed, dotted names kept, a
/// missing one left out), then _id unless the key has it (op_observer_util.cpp getDocumentKey:
/// extractElementsBasedOnTemplate, then DocumentKey::getShardKeyAndId appending _id; the server's jstest of write oplog
/// entries' document keys, FCV 5.3 and later, expects {a: 0, _id: 0} for key {a: 1}).
/// </summary>
internal static class DocumentKey
{
    public static BsonDocument Of(Collection collection, BsonDocument document)
    {
        var id = new BsonElement("_id", document["_id"]);
        if (collection.ShardKey is not { } pattern) return new BsonDocument(id);
        var key = new BsonDocument();
        foreach (var field in pattern.Names)
            if (FieldPath.GetExact(document, field) is { } value) key.Add(field, value);
        if (!key.Contains("_id")) key.Add(id);
        return key;
    }
}
