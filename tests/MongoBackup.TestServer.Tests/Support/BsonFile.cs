using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Tests;

/// <summary>Reads a file of concatenated BSON documents (a mongodump .bson or oplog.bson).</summary>
internal static class BsonFile
{
    public static List<BsonDocument> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var documents = new List<BsonDocument>();
        for (var position = 0; position < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(position));
            documents.Add(BsonSerializer.Deserialize<BsonDocument>(bytes.AsSpan(position, length).ToArray()));
            position += length;
        }
        return documents;
    }
}
