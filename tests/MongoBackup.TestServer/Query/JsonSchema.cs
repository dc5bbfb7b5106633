using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// The $jsonSchema query operator (and so $jsonSchema validators), for the keywords MongoDB documents (draft 4 with
/// bsonType): bsonType, type, enum, required, properties, additionalProperties, minProperties, maxProperties, minimum,
/// maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, items, minItems, maxItems,
/// uniqueItems, allOf, anyOf, oneOf, not, title and description. As in MongoDB a keyword about one kind of value (minimum
/// about numbers, properties about objects, ...) holds for values of other kinds. Keywords it does not know
/// (patternProperties, dependencies, additionalItems, encrypt) are refused rather than ignored.
/// </summary>
internal sealed class JsonSchema
{
    private static readonly HashSet<string> Annotations = ["title", "description"];
    private static readonly Dictionary<string, string> JsonTypes = new()
    {
        ["object"] = "object", ["array"] = "array", ["number"] = "number", ["boolean"] = "bool", ["string"] = "string", ["null"] = "null",
    };

    private readonly List<Func<BsonValue, bool>> _checks = new();

    private JsonSchema(BsonDocument schema)
    {
        foreach (var keyword in schema)
            if (!Annotations.Contains(keyword.Name)) _checks.Add(Keyword(keyword.Name, keyword.Value, schema));
    }

    public static JsonSchema Parse(BsonValue schema) =>
        schema is BsonDocument document ? new JsonSchema(document) : throw CommandFailure.TypeMismatch("$jsonSchema must be an object");

    public bool Matches(BsonValue value) => _checks.All(check => check(value));

    private static Func<BsonValue, bool> Keyword(string name, BsonValue spec, BsonDocument schema) => name switch
    {
        "bsonType" => TypeCheck(spec, alias => alias),
        "type" => TypeCheck(spec, alias => JsonTypes.TryGetValue(alias, out var bson) ? bson
            : throw CommandFailure.BadValue($"Unknown type name alias: {alias}")),
        // enum and uniqueItems compare bytes even under a collation (jstests/core/json_schema/misc_validation.js:
        // "$jsonSchema in a query does not respect the collection-default collation").
        "enum" => value => spec.AsBsonArray.Any(allowed => BsonValueOrder.Instance.Equals(allowed, value)),
        "required" => OnDocument(d => spec.AsBsonArray.All(field => d.Contains(field.AsString))),
        "properties" => Properties(spec.AsBsonDocument),
        "additionalProperties" => AdditionalProperties(spec, schema),
        "minProperties" => OnDocument(d => d.ElementCount >= spec.ToInt64()),
        "maxProperties" => OnDocument(d => d.ElementCount <= spec.ToInt64()),
        "minimum" => OnNumber(n => schema.GetValue("exclusiveMinimum", false).ToBoolean() ? n > spec.ToDouble() : n >= spec.ToDouble()),
        "maximum" => OnNumber(n => schema.GetValue("exclusiveMaximum", false).ToBoolean() ? n < spec.ToDouble() : n <= spec.ToDouble()),
        "exclusiveMinimum" or "exclusiveMaximum" => _ => true, // read with minimum and maximum
        "multipleOf" => OnNumber(n => Math.IEEERemainder(n, spec.ToDouble()) == 0),
        "minLength" => OnString(s => s.EnumerateRunes().Count() >= spec.ToInt64()),
        "maxLength" => OnString(s => s.EnumerateRunes().Count() <= spec.ToInt64()),
        "pattern" => Pattern(spec.AsString),
        "items" => Items(spec),
        "minItems" => OnArray(a => a.Count >= spec.ToInt64()),
        "maxItems" => OnArray(a => a.Count <= spec.ToInt64()),
        "uniqueItems" => OnArray(a => !spec.ToBoolean() || a.Distinct(BsonValueOrder.Instance).Count() == a.Count),
        "allOf" => Schemas(spec, (schemas, value) => schemas.All(s => s.Matches(value))),
        "anyOf" => Schemas(spec, (schemas, value) => schemas.Any(s => s.Matches(value))),
        "oneOf" => Schemas(spec, (schemas, value) => schemas.Count(s => s.Matches(value)) == 1),
        "not" => Negation(Parse(spec)),
        _ => throw CommandFailure.FailedToParse($"Unknown $jsonSchema keyword: {name}"),
    };

    private static Func<BsonValue, bool> TypeCheck(BsonValue spec, Func<string, string> toBsonAlias)
    {
        var aliases = (spec is BsonArray many ? many.Select(v => v.AsString) : [spec.AsString]).Select(toBsonAlias).ToList();
        var types = aliases.Where(a => a != "number").Select(a => BsonTypeNames.Parse(a)).ToHashSet();
        var numbers = aliases.Contains("number");
        return value => types.Contains(value.BsonType) || numbers && BsonValueOrder.IsNumber(value);
    }

    private static Func<BsonValue, bool> Properties(BsonDocument properties)
    {
        var schemas = properties.ToDictionary(p => p.Name, p => Parse(p.Value));
        return OnDocument(d => schemas.All(s => !d.TryGetValue(s.Key, out var value) || s.Value.Matches(value)));
    }

    private static Func<BsonValue, bool> AdditionalProperties(BsonValue spec, BsonDocument schema)
    {
        var named = schema.GetValue("properties", new BsonDocument()).AsBsonDocument.Names.ToHashSet();
        var extra = spec is BsonDocument ? Parse(spec) : null;
        return OnDocument(d => d.Where(e => !named.Contains(e.Name)).All(e => extra?.Matches(e.Value) ?? spec.ToBoolean()));
    }

    private static Func<BsonValue, bool> Pattern(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        return OnString(regex.IsMatch);
    }

    private static Func<BsonValue, bool> Items(BsonValue spec)
    {
        if (spec is BsonArray positional)
        {
            var schemas = positional.Select(Parse).ToList();
            return OnArray(a => a.Take(schemas.Count).Select((v, i) => schemas[i].Matches(v)).All(ok => ok));
        }
        var each = Parse(spec);
        return OnArray(a => a.All(each.Matches));
    }

    private static Func<BsonValue, bool> Schemas(BsonValue spec, Func<List<JsonSchema>, BsonValue, bool> combine)
    {
        var schemas = spec.AsBsonArray.Select(Parse).ToList();
        return value => combine(schemas, value);
    }

    private static Func<BsonValue, bool> Negation(JsonSchema schema) => value => !schema.Matches(value);

    private static Func<BsonValue, bool> OnDocument(Func<BsonDocument, bool> check) => v => v is not BsonDocument d || check(d);
    private static Func<BsonValue, bool> OnArray(Func<BsonArray, bool> check) => v => v is not BsonArray a || check(a);
    private static Func<BsonValue, bool> OnString(Func<string, bool> check) => v => !v.IsString || check(v.AsString);
    private static Func<BsonValue, bool> OnNumber(Func<double, bool> check) => v => !BsonValueOrder.IsNumber(v) || check(v.ToDouble());
}

/// <summary>{$jsonSchema: schema} in a filter: the whole document must satisfy the schema.</summary>
internal sealed class JsonSchemaNode(JsonSchema schema) : MatchNode
{
    public override bool Matches(BsonDocument doc) => schema.Matches(doc);
}
