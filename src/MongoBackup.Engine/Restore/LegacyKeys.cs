using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Index keys in the forms servers before MongoDB 3.4 built as ascending indexes and 3.4 on refuse (CannotCreateIndex:
/// src/mongo/db/catalog/index_key_validate.cpp): a value that is neither a number nor a string ({d: true}), a 0, an
/// empty string. Old dumps' metadata still carries them. mongorestore sends them as they are and fails the same way,
/// unless told --convertLegacyIndexes, which rewrites each such value as 1 (mongo-tools
/// common/bsonutil/indexes.go, ConvertLegacyIndexKeys). A restore does not rewrite an index the backup holds
/// unasked; it names the key and what to do instead.
/// </summary>
internal static class LegacyKeys
{
    /// <summary>
    /// A sentence (with a leading space) naming each spec among <paramref name="specs"/> whose key has a legacy value,
    /// with the key mongorestore --convertLegacyIndexes would build; empty when none has.
    /// </summary>
    public static string Describe(IReadOnlyList<BsonDocument> specs)
    {
        var legacy = specs.Where(s => s.GetValue("key", BsonNull.Value) is BsonDocument key && key.Values.Any(IsLegacy)).ToList();
        if (legacy.Count == 0) return "";
        var named = string.Join("; ", legacy.Select(s => $"{s.GetValue("name", "?")} has the key {s["key"].ToJson()} (as ascending: {Converted(s["key"].AsBsonDocument).ToJson()})"));
        return $" Servers before MongoDB 3.4 built these keys as ascending indexes; 3.4 and later refuse them: {named}. " +
            "mongorestore rewrites such keys only when told --convertLegacyIndexes; restore with -NoIndexRestore and create the index with the ascending key.";
    }

    /// <summary>A key value 3.4+ refuses that pre-3.4 servers read as 1: not a number or string, a 0 or NaN, an empty string.</summary>
    private static bool IsLegacy(BsonValue value) => value switch
    {
        BsonString s => s.Value.Length == 0,
        _ when value.IsNumeric => value.ToDouble() is 0 or double.NaN,
        _ => true,
    };

    private static BsonDocument Converted(BsonDocument key) =>
        new(key.Select(e => IsLegacy(e.Value) ? new BsonElement(e.Name, 1) : e));
}
