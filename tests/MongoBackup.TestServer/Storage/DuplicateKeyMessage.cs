using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.TestServer.Storage;

/// <summary>Formats the E11000 error exactly as MongoDB words it, including the "dup key: { a: 1 }" part.</summary>
internal static class DuplicateKeyMessage
{
    private static readonly JsonWriterSettings Shell = new() { OutputMode = JsonOutputMode.Shell };

    public static CommandFailure Failure(string ns, string indexName, IReadOnlyList<(string Field, BsonValue Value)> key)
    {
        var text = new StringBuilder();
        text.Append("E11000 duplicate key error collection: ").Append(ns).Append(" index: ").Append(indexName).Append(" dup key: { ");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(key[i].Field).Append(": ").Append(key[i].Value.ToJson(Shell));
        }
        text.Append(" }");
        return CommandFailure.DuplicateKey(text.ToString());
    }
}
