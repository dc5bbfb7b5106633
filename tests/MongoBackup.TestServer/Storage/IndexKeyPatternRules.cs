using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The key pattern checks mongod 7.0 makes of a new index (src/mongo/db/catalog/index_key_validate.cpp:
/// validateKeyPattern at the latest index version, v2, then validateIndexSpec's own check of empty strings), each a
/// CannotCreateIndex (67) whose reason is mongod's. Before 3.4, servers built an ascending index for any value they did
/// not know ({d: ""}, {d: true}, {d: 0}); such legacy keys, still found in old dumps' metadata, are refused here as
/// mongod 7.0 refuses them (mongorestore rewrites them only when asked, --convertLegacyIndexes: mongo-tools
/// common/bsonutil/indexes.go, ConvertLegacyIndexKeys).
/// </summary>
internal static class IndexKeyPatternRules
{
    /// <summary>src/mongo/db/index_names.cpp's kIndexNameToType, with the B-tree's "" (IndexNames::isKnownName).</summary>
    private static readonly HashSet<string> KnownPlugins =
        ["2d", "2dsphere", "2dsphere_bucket", "text", "hashed", "columnstore", "queryable_encrypted_range", "wildcard"];

    /// <summary>The reason mongod refuses <paramref name="key"/>, or null when it takes it.</summary>
    public static string? Refusal(BsonDocument key)
    {
        if (key.ElementCount == 0) return "Index keys cannot be empty.";
        var plugin = PluginName(key);
        if (plugin.Length > 0)
        {
            if (plugin == "geoHaystack") return "GeoHaystack indexes cannot be created in version 5.0 and above";
            if (!KnownPlugins.Contains(plugin)) return $"Unknown index plugin '{plugin}'";
        }
        foreach (var element in key)
        {
            var value = element.Value;
            if (value.IsNumeric)
            {
                var number = value.ToDouble();
                if (double.IsNaN(number)) return "Values in the index key pattern cannot be NaN.";
                if (number == 0.0) return "Values in the index key pattern cannot be 0.";
            }
            else if (!value.IsString)
            {
                return $"Values in v:2 index key pattern cannot be of type {TypeName(value.BsonType)}. Only numbers > 0, numbers < 0, and strings are allowed.";
            }
            if (value.IsString && plugin != value.AsString) return "Can't use more than one index plugin for a single index.";
            if (value.IsString && value.AsString == "wildcard")
                return "The key pattern value for an 'wildcard' index must be a non-zero number, not a string.";
            var parts = element.Name.Split('.');
            if (element.Name.Length == 0) return "Index keys cannot be an empty field.";
            if (element.Name == "$**" && (value.IsNumeric || value == "text" || value == "columnstore")) continue;
            if (element.Name == "_fts" && value != "text") return "Index key contains an illegal field name: '_fts'";
            for (var i = 0; i < parts.Length; i++)
            {
                var part = parts[i];
                if (part.Length == 0) return "Index keys cannot contain an empty field.";
                if (part[0] != '$') continue;
                var dbRef = i != 0 && part is "$db" or "$id" or "$ref";
                var wildcard = i == parts.Length - 1 && part == "$**" && plugin is "wildcard" or "columnstore";
                if (!dbRef && !wildcard) return "Index key contains an illegal field name: field name starts with '$'.";
            }
        }
        // validateIndexSpec, after validateKeyPattern: the plugin name of {d: ""} is the B-tree's "", so only this catches it.
        if (key.Values.Any(v => v is BsonString { Value: "" })) return "Values in the index key pattern cannot be empty strings";
        return null;
    }

    /// <summary>
    /// IndexNames::findPluginName (7.0): the last string value; a "$**" field (or one ending ".$**") without a string
    /// before it is a wildcard index; none is the B-tree, "".
    /// </summary>
    private static string PluginName(BsonDocument key)
    {
        var found = "";
        foreach (var element in key)
        {
            if (element.Value.IsString) found = element.Value.AsString;
            else if (element.Name == "$**" || element.Name.EndsWith(".$**", StringComparison.Ordinal))
                return key.GetElement(0).Value.IsString && key.GetElement(0).Name == "columnstore" ? "columnstore" : "wildcard";
        }
        return found;
    }

    /// <summary>src/mongo/bson/bsontypes.cpp typeName.</summary>
    private static string TypeName(BsonType type) => type switch
    {
        BsonType.Document => "object",
        BsonType.Array => "array",
        BsonType.Binary => "binData",
        BsonType.Undefined => "undefined",
        BsonType.ObjectId => "objectId",
        BsonType.Boolean => "bool",
        BsonType.DateTime => "date",
        BsonType.Null => "null",
        BsonType.RegularExpression => "regex",
        BsonType.JavaScript => "javascript",
        BsonType.Symbol => "symbol",
        BsonType.JavaScriptWithScope => "javascriptWithScope",
        BsonType.Timestamp => "timestamp",
        BsonType.MinKey => "minKey",
        BsonType.MaxKey => "maxKey",
        _ => type.ToString(),
    };
}
