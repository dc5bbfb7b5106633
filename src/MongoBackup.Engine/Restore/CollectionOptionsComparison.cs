using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The options of an existing target collection that would make it behave otherwise than the backup's collection:
/// a restore without -Drop keeps an existing collection with its own options (it is never re-created), so the documents
/// would land in a collection that is no longer capped, compares strings otherwise, validates otherwise, and so on.
/// Options that change nothing a user sees (storageEngine, indexOptionDefaults, the uuid) are not compared; identical
/// options pass. Both sides come from a server's listCollections (the dump's metadata is mongodump's copy of it); a
/// field one side leaves out is read as the server's default for it, so a collation listed in full (as mongod lists
/// it) equals the same collation given in short.
/// </summary>
internal static class CollectionOptionsComparison
{
    /// <summary>The options compared, each a behaviour of the collection (MongoDB's create command).</summary>
    private static readonly string[] Compared =
    [
        "capped", "size", "max", "collation", "validator", "validationLevel", "validationAction", "timeseries",
        "expireAfterSeconds", "clusteredIndex", "changeStreamPreAndPostImages", "viewOn", "pipeline",
    ];

    /// <summary>
    /// The defaults of a collation's fields (MongoDB's collation document: strength 3, caseLevel false, caseFirst "off",
    /// numericOrdering false, alternate "non-ignorable", maxVariable "punct", normalization false, backwards false),
    /// filled in where one side leaves them out. "version" (the ICU version) is not compared: it changes nothing.
    /// </summary>
    private static readonly BsonDocument CollationDefaults = new()
    {
        { "strength", 3 }, { "caseLevel", false }, { "caseFirst", "off" }, { "numericOrdering", false },
        { "alternate", "non-ignorable" }, { "maxVariable", "punct" }, { "normalization", false }, { "backwards", false },
    };

    /// <summary>
    /// Each option that differs, as "name: the backup's value, the target's value"; empty when the existing collection
    /// behaves as the backup's would. <paramref name="backupType"/> and <paramref name="targetType"/> are listCollections'
    /// types (collection, view, timeseries): a view is not a collection whatever the options.
    /// </summary>
    public static IReadOnlyList<string> Differences(string backupType, BsonDocument? backup, string targetType, BsonDocument? target)
    {
        if (backupType != targetType) return [$"type: {backupType} in the backup, {targetType} on the target"];
        var differences = new List<string>();
        foreach (var name in Compared)
        {
            var ours = Normalized(name, backup);
            var theirs = Normalized(name, target);
            if (ours != theirs) differences.Add($"{name}: {Show(ours)} in the backup, {Show(theirs)} on the target");
        }
        return differences;
    }

    /// <summary>One option as compared: absent and its default are one value, a size is rounded as mongod rounds it.</summary>
    private static BsonValue Normalized(string name, BsonDocument? options)
    {
        var value = options?.GetValue(name, BsonNull.Value) ?? BsonNull.Value;
        switch (name)
        {
            case "capped":
                return value.IsBoolean ? value : BsonBoolean.False;
            case "size" or "max":
                // mongod rounds a capped size up to a multiple of 256 (src/mongo/db/catalog/collection_options.cpp);
                // a "max" of 0 or less means none. Only meaningful for a capped collection.
                if (!(options?.GetValue("capped", false).ToBoolean() ?? false) || !value.IsNumeric) return BsonNull.Value;
                var number = value.ToInt64();
                return name == "size" ? (number + 255) / 256 * 256 : number <= 0 ? BsonNull.Value : number;
            case "validationLevel":
                return value.IsBsonNull ? "strict" : value;
            case "validationAction":
                return value.IsBsonNull ? "error" : value;
            case "expireAfterSeconds":
                return value.IsNumeric ? value.ToInt64() : value;
            case "collation":
                return Collation(value);
            case "changeStreamPreAndPostImages":
                return value is BsonDocument d && d.GetValue("enabled", false).ToBoolean() ? BsonBoolean.True : BsonBoolean.False;
            default:
                return value;
        }
    }

    private static BsonValue Collation(BsonValue value)
    {
        if (value is not BsonDocument given || given.GetValue("locale", "simple") == "simple") return BsonNull.Value;
        var full = new BsonDocument("locale", given["locale"]);
        foreach (var field in CollationDefaults) full[field.Name] = given.GetValue(field.Name, field.Value);
        return full;
    }

    private static string Show(BsonValue value) => value.IsBsonNull ? "none" : value.ToJson();
}
