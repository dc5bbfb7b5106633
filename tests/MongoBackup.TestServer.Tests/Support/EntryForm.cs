using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// Compares an oplog entry the server wrote with the form of a captured one: the same field names in the same order, the
/// same BSON types, and the same values, except at the paths named as varying (timestamps, UUIDs, session ids), where only
/// the type is compared. Paths are dotted field names; "[]" stands for any array element ("o.applyOps.[].ui").
/// </summary>
public static class EntryForm
{
    public static void AssertSame(BsonDocument expected, BsonDocument actual, params string[] varying) =>
        Compare(expected, actual, "", new HashSet<string>(varying, StringComparer.Ordinal));

    private static void Compare(BsonValue expected, BsonValue actual, string path, HashSet<string> varying)
    {
        var where = path.Length == 0 ? "the entry" : path;
        Assert.True(expected.BsonType == actual.BsonType,
            $"{where}: expected a {expected.BsonType}, the server wrote a {actual.BsonType} ({actual.ToJson()})");
        if (varying.Contains(path)) return;
        switch (expected)
        {
            case BsonDocument document:
            {
                var written = actual.AsBsonDocument;
                Assert.True(document.Names.SequenceEqual(written.Names),
                    $"{where}: expected fields [{string.Join(", ", document.Names)}] in that order, the server wrote [{string.Join(", ", written.Names)}]");
                foreach (var element in document)
                    Compare(element.Value, written[element.Name], Join(path, element.Name), varying);
                return;
            }
            case BsonArray array:
            {
                var written = actual.AsBsonArray;
                Assert.True(array.Count == written.Count, $"{where}: expected {array.Count} elements, the server wrote {written.Count}");
                for (var i = 0; i < array.Count; i++) Compare(array[i], written[i], Join(path, "[]"), varying);
                return;
            }
            default:
                Assert.True(expected.Equals(actual), $"{where}: expected {expected.ToJson()}, the server wrote {actual.ToJson()}");
                return;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
