using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Index keys in the forms servers before MongoDB 3.4 built as ascending indexes and 3.4 on refuse (CannotCreateIndex:
/// src/mongo/db/catalog/index_key_validate.cpp, whose validateIndexSpec checks every new key at the latest version, v2,
/// whatever "v" the spec asks for): a value that is neither a number nor a string ({d: true}), a 0, an empty string.
/// Old dumps' metadata still carries them (and so do the createIndexes entries of old oplogs). mongorestore sends them
/// as they are and fails the same way, unless told --convertLegacyIndexes; so does a restore unless told
/// -ConvertLegacyIndexes (<see cref="LegacyIndexConversion"/>). Unasked, it names the key and what to do instead.
/// </summary>
internal static class LegacyKeys
{
    /// <summary>
    /// A sentence (with a leading space) naming each spec among <paramref name="specs"/> whose key has a legacy value,
    /// with the key -ConvertLegacyIndexes (and mongorestore --convertLegacyIndexes) would build; empty when none has.
    /// </summary>
    public static string Describe(IReadOnlyList<BsonDocument> specs)
    {
        var legacy = specs.Where(s => s.GetValue("key", BsonNull.Value) is BsonDocument key && key.Values.Any(IsLegacy)).ToList();
        if (legacy.Count == 0) return "";
        var named = string.Join("; ", legacy.Select(s => $"{s.GetValue("name", "?")} has the key {s["key"].ToJson()} (as ascending: {LegacyIndexConversion.ConvertedKey(s["key"].AsBsonDocument).ToJson()})"));
        return $" Servers before MongoDB 3.4 built these keys as ascending indexes; 3.4 and later refuse them: {named}. " +
            "Restore it again with -ConvertLegacyIndexes to build them with the ascending key (as mongorestore --convertLegacyIndexes does), " +
            "or with -NoIndexRestore and create the indexes yourself.";
    }

    /// <summary>
    /// A key value 3.4+ refuses that pre-3.4 servers read as 1 and the conversion rewrites as 1: not a number or string,
    /// a 0, an empty string (a NaN is refused too, but neither servers nor the conversion ever read it as 1).
    /// </summary>
    private static bool IsLegacy(BsonValue value) => value switch
    {
        BsonString s => s.Value.Length == 0,
        _ when value.IsNumeric => value.ToDouble() == 0,
        _ => true,
    };
}
