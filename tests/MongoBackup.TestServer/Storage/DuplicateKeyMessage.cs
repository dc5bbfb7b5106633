using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.TestServer.Storage;

/// <summary>Formats the E11000 error exactly as MongoDB words it, including the "dup key: { a: 1 }" part.</summary>
internal static class DuplicateKeyMessage
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    public static CommandFailure Failure(string ns, string indexName, IReadOnlyList<(string Field, BsonValue Value)> key, BsonDocument? keyPattern = null)
    {
        var text = new StringBuilder();
        text.Append("E11000 duplicate key error collection: ").Append(ns).Append(" index: ").Append(indexName).Append(" dup key: { ");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(key[i].Field).Append(": ").Append(key[i].Value.ToJson(Shell));
        }
        text.Append(" }");
        // DuplicateKeyErrorInfo serializes keyPattern and keyValue with the error.
        var pattern = keyPattern ?? new BsonDocument(key.Select(k => new BsonElement(k.Field, 1)));
        var value = new BsonDocument(key.Select(k => new BsonElement(k.Field, k.Value)));
        return new CommandFailure(11000, "DuplicateKey", text.ToString())
        {
            ExtraInfo = new BsonDocument { { "keyPattern", pattern }, { "keyValue", value } },
        };
    }
}
