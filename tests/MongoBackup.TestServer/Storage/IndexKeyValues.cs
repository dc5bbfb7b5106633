using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The values an index stores for one key field of a document: arrays on the path fan out into their elements
/// (documents are followed, a numeric component picks one element), an empty array at the end is undefined and a
/// missing field is null, as in MongoDB's key generation.
/// </summary>
internal static class IndexKeyValues
{
    public static List<BsonValue> At(BsonDocument document, string path)
    {
        var values = new List<BsonValue>();
        Collect(document, path.Split('.'), 0, values);
        if (values.Count == 0) values.Add(BsonNull.Value);
        return values;
    }

    private static void Collect(BsonValue current, string[] parts, int depth, List<BsonValue> values)
    {
        if (depth == parts.Length)
        {
            if (current is BsonArray leaf)
            {
                if (leaf.Count == 0) values.Add(BsonUndefined.Value);
                else values.AddRange(leaf);
            }
            else
            {
                values.Add(current);
            }
            return;
        }
        switch (current)
        {
            case BsonDocument document:
                Collect(document.GetValue(parts[depth], BsonNull.Value), parts, depth + 1, values);
                break;
            case BsonArray array when int.TryParse(parts[depth], out var index):
                if (index >= 0 && index < array.Count) Collect(array[index], parts, depth + 1, values);
                else values.Add(BsonNull.Value);
                break;
            case BsonArray array:
                foreach (var element in array)
                    if (element is BsonDocument) Collect(element, parts, depth, values);
                break;
            default:
                values.Add(BsonNull.Value);
                break;
        }
    }
}
