using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>Reads the value at a dotted path ("a.b.c") of a document for index keys; missing is null.</summary>
internal static class DocumentPath
{
    public static BsonValue? Get(BsonDocument document, string path)
    {
        BsonValue current = document;
        foreach (var part in path.Split('.'))
        {
            switch (current)
            {
                case BsonDocument doc when doc.TryGetValue(part, out var next):
                    current = next;
                    break;
                case BsonArray array when int.TryParse(part, out var index) && index >= 0 && index < array.Count:
                    current = array[index];
                    break;
                default:
                    return null;
            }
        }
        return current;
    }
}
