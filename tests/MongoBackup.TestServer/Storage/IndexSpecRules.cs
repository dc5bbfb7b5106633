using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// What MongoDB does to an index spec before it builds it, for the forms the module's restores depend on:
/// <list type="bullet">
/// <item>An index on exactly {_id: 1} is the _id index and takes no options but v, key, name, ns and collation (error
/// 197 InvalidIndexSpecificationOption; src/mongo/db/index/index_key_validate.cpp, validateIdIndexSpec).</item>
/// <item>A text index is stored in its internal form (src/mongo/db/fts/fts_spec.cpp, fixSpec): its "text" fields become
/// _fts: "text", _ftsx: 1 at their place in the key, their weights (1 each, or as given, sorted by field) go to
/// "weights", and default_language "english", language_override "language" and textIndexVersion 3 are added. A spec
/// already in that form (as listIndexes, and so mongodump, give it) is kept, and must carry its weights.</item>
/// </list>
/// </summary>
internal static class IndexSpecRules
{
    private static readonly HashSet<string> IdIndexFields = ["v", "key", "name", "ns", "collation"];

    public static BsonDocument Apply(BsonDocument spec)
    {
        if (spec.GetValue("key", BsonNull.Value) is not BsonDocument key) return spec;
        // {_id: "hashed"} is an ordinary index (the usual hashed shard key), not the _id index.
        if (key.ElementCount == 1 && key.GetElement(0).Name == "_id" && !key[0].IsString && !spec.Contains("clustered"))
        {
            if (key[0] is not (BsonInt32 { Value: 1 } or BsonInt64 { Value: 1 } or BsonDouble { Value: 1 }))
                throw CommandFailure.BadValue($"The field 'key' for an _id index must be {{_id: 1}}, but got {key.ToJson()}");
            if (spec.Names.FirstOrDefault(n => !IdIndexFields.Contains(n)) is { } bad)
                throw new CommandFailure(197, "InvalidIndexSpecificationOption",
                    $"The field '{bad}' is not valid for an _id index specification. Specification: {spec.ToJson()}");
            return spec;
        }
        return key.Values.Any(v => v == "text") ? FixTextSpec(spec, key) : spec;
    }

    private static BsonDocument FixTextSpec(BsonDocument spec, BsonDocument key)
    {
        var weights = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var fixedKey = new BsonDocument();
        var added = false;
        foreach (var element in key)
        {
            if (element.Name == "_fts" && element.Value == "text" || element.Name == "_ftsx")
            {
                fixedKey.Add(element);
                added = true;
            }
            else if (element.Value == "text")
            {
                if (!added) fixedKey.Add("_fts", "text").Add("_ftsx", 1);
                added = true;
                weights[element.Name] = 1;
            }
            else
            {
                fixedKey.Add(element);
            }
        }
        if (spec.GetValue("weights", BsonNull.Value) is BsonDocument given)
            foreach (var weight in given)
                weights[weight.Name] = weight.Value.IsNumeric
                    ? weight.Value.ToInt32()
                    : throw new CommandFailure(67, "CannotCreateIndex", "weight for text index needs numeric type");
        if (weights.Count == 0)
            throw new CommandFailure(67, "CannotCreateIndex", "text index option 'weights' must specify fields or the wildcard");

        var result = new BsonDocument();
        foreach (var element in spec)
        {
            if (element.Name == "key") result.Add("key", fixedKey);
            else if (element.Name == "weights") result.Add("weights", Weights(weights));
            else if (element.Name != "textIndexVersion") result.Add(element);
        }
        if (!result.Contains("weights")) result.Add("weights", Weights(weights));
        if (!result.Contains("default_language")) result.Add("default_language", "english");
        if (!result.Contains("language_override")) result.Add("language_override", "language");
        result.Add("textIndexVersion", spec.GetValue("textIndexVersion", 3).ToInt32());
        return result;
    }

    private static BsonDocument Weights(SortedDictionary<string, int> weights) =>
        new(weights.Select(w => new BsonElement(w.Key, w.Value)));
}
