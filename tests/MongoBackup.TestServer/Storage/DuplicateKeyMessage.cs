using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Formats the E11000 error as MongoDB words it (index/duplicate_key_error_info.cpp, buildDupKeyErrorStatus), including the
/// "dup key: { a: 1 }" part. An index with a collation holds collation keys, not strings, so mongod names its collation
/// (" collation: { locale: \"en\", strength: 2 }", the spec as the index stores it) and writes a string key as "0x" and
/// the key's bytes in lower-case hex. Those bytes are ICU's sort key from the ICU .NET loads, which may differ from the
/// ICU mongod bundles (its collation "version"); keyValue in the error's extra info carries the document's value, where
/// mongod's carries the collation key itself.
/// </summary>
internal static class DuplicateKeyMessage
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    public static CommandFailure Failure(string ns, string indexName, IReadOnlyList<(string Field, BsonValue Value)> key, BsonDocument? keyPattern = null,
        BsonDocument? collation = null, Query.BsonValueOrder? order = null)
    {
        var text = new StringBuilder();
        text.Append("E11000 duplicate key error collection: ").Append(ns).Append(" index: ").Append(indexName);
        if (collation != null) text.Append(" collation: ").Append(ServerText(collation));
        text.Append(" dup key: { ");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(key[i].Field).Append(": ");
            if (collation != null && order?.SortKey(key[i].Value) is { } sortKey) text.Append('"').Append("0x").Append(Convert.ToHexStringLower(sortKey)).Append('"');
            else text.Append(key[i].Value.ToJson(Shell));
        }
        text.Append(" }");
        // DuplicateKeyErrorInfo serializes keyPattern and keyValue with the error, and the index's collation when it has one.
        var pattern = keyPattern ?? new BsonDocument(key.Select(k => new BsonElement(k.Field, 1)));
        var value = new BsonDocument(key.Select(k => new BsonElement(k.Field, k.Value)));
        var info = new BsonDocument { { "keyPattern", pattern }, { "keyValue", value } };
        if (collation != null) info.Add("collation", collation);
        return new CommandFailure(11000, "DuplicateKey", text.ToString()) { ExtraInfo = info };
    }

    /// <summary>A flat document as mongod's BSONObj::toString prints it: { locale: "en", strength: 2 }.</summary>
    private static string ServerText(BsonDocument document) =>
        document.ElementCount == 0 ? "{}" : "{ " + string.Join(", ", document.Select(e => e.Name + ": " + e.Value.ToJson(Shell))) + " }";
}
