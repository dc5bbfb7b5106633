using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>MongoDB's type aliases and numbers, as $type (query and aggregation) names them.</summary>
internal static class BsonTypeNames
{
    private static readonly (string Alias, int Number, BsonType Type)[] Table =
    [
        ("double", 1, BsonType.Double), ("string", 2, BsonType.String), ("object", 3, BsonType.Document),
        ("array", 4, BsonType.Array), ("binData", 5, BsonType.Binary), ("undefined", 6, BsonType.Undefined),
        ("objectId", 7, BsonType.ObjectId), ("bool", 8, BsonType.Boolean), ("date", 9, BsonType.DateTime),
        ("null", 10, BsonType.Null), ("regex", 11, BsonType.RegularExpression), ("javascript", 13, BsonType.JavaScript),
        ("symbol", 14, BsonType.Symbol), ("javascriptWithScope", 15, BsonType.JavaScriptWithScope),
        ("int", 16, BsonType.Int32), ("timestamp", 17, BsonType.Timestamp), ("long", 18, BsonType.Int64),
        ("decimal", 19, BsonType.Decimal128), ("minKey", -1, BsonType.MinKey), ("maxKey", 127, BsonType.MaxKey),
    ];

    public static BsonType Parse(BsonValue spec)
    {
        if (spec is BsonString s)
        {
            foreach (var row in Table)
                if (row.Alias == s.Value) return row.Type;
            throw CommandFailure.BadValue($"Unknown type name alias: {s.Value}");
        }
        if (BsonValueOrder.IsNumber(spec))
        {
            var number = spec.ToDouble();
            foreach (var row in Table)
                if (row.Number == number) return row.Type;
            throw CommandFailure.BadValue($"Invalid numerical type code: {spec}");
        }
        throw CommandFailure.TypeMismatch("type must be represented as a number or a string");
    }

    /// <summary>The alias aggregation's $type returns ("missing" for an absent value).</summary>
    public static string AliasOf(BsonValue? value) => value is null ? "missing" : AliasOf(value.BsonType);

    /// <summary>The type's alias, as mongod's typeName() names it in messages.</summary>
    public static string AliasOf(BsonType type)
    {
        foreach (var row in Table)
            if (row.Type == type) return row.Alias;
        return type.ToString();
    }
}
