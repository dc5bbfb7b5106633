using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// config.image_collection: the pre- or post-image of a session's last retryable findAndModify, one document per session,
/// replaced whole at each (find_and_modify_images_op_observer.cpp, writeToImageCollection, an upsert by _id). Its form is
/// repl/image_collection_entry.idl ImageEntry: {_id: lsid, txnNum, ts (the findAndModify's oplog entry's), imageKind,
/// image, invalidated: false (a defaulted field IDL writes)}. Never logged: a secondary writes it itself when it applies an
/// entry carrying needsRetryImage (repl/oplog.cpp, applyOperation_inlock).
/// </summary>
internal static class ImageCollection
{
    public const string Database = "config";
    public const string CollectionName = "image_collection";

    public static void Record(Catalog catalog, BsonDocument lsid, long txnNumber, BsonTimestamp ts, string imageKind, BsonDocument image)
    {
        var table = catalog.Find(Database, CollectionName) ?? catalog.Add(Database, CollectionName, CollectionKind.Collection, new BsonDocument());
        var record = new BsonDocument
        {
            { "_id", lsid }, { "txnNum", txnNumber }, { "ts", ts }, { "imageKind", imageKind }, { "image", image.DeepClone() },
            { "invalidated", false },
        };
        if (table.FindById(lsid) is { } recordId)
            table.Replace(recordId, Collection.Parse(table.Records.Get(recordId)), record);
        else
            table.Insert(record);
    }

    /// <summary>The session's image document, or null.</summary>
    public static BsonDocument? Find(Catalog catalog, BsonDocument lsid) =>
        catalog.Find(Database, CollectionName) is { } table && table.FindById(lsid) is { } recordId
            ? Collection.Parse(table.Records.Get(recordId))
            : null;
}
