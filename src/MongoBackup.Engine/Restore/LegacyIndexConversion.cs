using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// -ConvertLegacyIndexes: the index specs of a restore (the dump's metadata and the oplog's createIndexes and
/// commitIndexBuild entries alike) rewritten as mongorestore 100.11 --convertLegacyIndexes rewrites them (mongo-tools
/// mongorestore/restore.go convertLegacyIndexes, common/bsonutil/indexes.go ConvertLegacyIndexKeys and
/// ConvertLegacyIndexOptions; mongorestore/oplog.go applies it to createIndexes and commitIndexBuild entries too):
/// <list type="bullet">
/// <item>each key value a server before 3.4 read as 1 becomes int 1: a numeric 0 (int, long, a double within 1e-9 of 0,
/// a decimal whose coefficient is 0), an empty string, and any value that is neither a number nor a string (true,
/// null, an object...); other strings ("hashed ", "2d") and other numbers (NaN included) stay as they are;</item>
/// <item>a spec whose key, so converted, equals the key of one kept before it (strings exactly, numbers within 1e-9) is
/// left out, as the server would refuse it beside the first; unlike mongorestore, which leaves out any such spec, only
/// when the conversion made the two equal: two specs with the same key the source server held side by side differ in
/// their collation or filter, and both are built;</item>
/// <item>options outside mongo-tools' list of valid ones (validIndexOptions, from mongod's index_descriptor.h) are
/// removed, as mongorestore removes them, only for servers without ignoreUnknownIndexOptions (before 4.2): newer ones
/// are sent that option, by every restore, and drop them themselves.</item>
/// </list>
/// </summary>
internal static class LegacyIndexConversion
{
    /// <summary>mongo-tools 100.11 common/bsonutil/indexes.go validIndexOptions.</summary>
    private static readonly HashSet<string> ValidOptions = new(StringComparer.Ordinal)
    {
        "2dsphereIndexVersion", "background", "bits", "bucketSize", "coarsestIndexedLevel", "collation", "default_language",
        "expireAfterSeconds", "finestIndexedLevel", "key", "language_override", "max", "min", "name", "ns",
        "partialFilterExpression", "sparse", "storageEngine", "textIndexVersion", "unique", "v", "weights", "wildcardProjection",
    };

    /// <summary>mongo-tools' epsilon for a double read as 0 and for two numbers read as equal.</summary>
    private const double Epsilon = 1e-9;

    /// <summary>
    /// <paramref name="specs"/> converted (copies; the originals are not changed), in their order, without the ones
    /// left out as duplicates. <paramref name="report"/> is told each conversion, in words
    /// naming <paramref name="ns"/>; <paramref name="warn"/> each spec left out. <paramref name="stripUnknownOptions"/>:
    /// the target does not know ignoreUnknownIndexOptions (MongoDB before 4.2), so unknown options are removed here.
    /// </summary>
    public static IReadOnlyList<BsonDocument> Convert(IReadOnlyList<BsonDocument> specs, string ns, bool stripUnknownOptions,
        Action<string> report, Action<string> warn)
    {
        var kept = new List<(BsonDocument Spec, bool Converted)>();
        foreach (var original in specs)
        {
            var spec = original.DeepClone().AsBsonDocument;
            var converted = false;
            if (spec.GetValue("key", BsonNull.Value) is BsonDocument key)
            {
                var newKey = ConvertedKey(key);
                converted = !newKey.Equals(key);
                if (converted)
                {
                    spec["key"] = newKey;
                    report($"{ns}: index {spec.GetValue("name", "?")}'s key {key.ToJson()} converted to {newKey.ToJson()} (-ConvertLegacyIndexes).");
                }
                var same = kept.FirstOrDefault(k => (converted || k.Converted)
                    && k.Spec.GetValue("key", BsonNull.Value) is BsonDocument other && KeysEqual(other, newKey)).Spec;
                if (same is not null)
                {
                    warn($"{ns}: index {spec.GetValue("name", "?")} was not restored: converted by -ConvertLegacyIndexes, its key {newKey.ToJson()} " +
                        $"is that of index {same.GetValue("name", "?")}, which was restored (mongorestore --convertLegacyIndexes leaves it out too).");
                    continue;
                }
            }
            if (stripUnknownOptions) StripUnknownOptions(spec, ns, report);
            kept.Add((spec, converted));
        }
        return kept.Select(k => k.Spec).ToList();
    }

    /// <summary>The key with each legacy value rewritten as int 1 (ConvertLegacyIndexKeys); the same values otherwise.</summary>
    public static BsonDocument ConvertedKey(BsonDocument key) =>
        new(key.Select(e => ReadAsOne(e.Value) ? new BsonElement(e.Name, 1) : e));

    /// <summary>ConvertLegacyIndexKeys' cases: a zero of any numeric type, an empty string, any other type but string.</summary>
    private static bool ReadAsOne(BsonValue value) => value switch
    {
        BsonString s => s.Value.Length == 0,
        BsonInt32 i => i.Value == 0,
        BsonInt64 l => l.Value == 0,
        BsonDouble d => Math.Abs(d.Value) < Epsilon,
        // Decimal128.BigInt's coefficient: 0 for every zero, whatever its exponent or sign; NaN and infinities have none.
        BsonDecimal128 m => !Decimal128.IsNaN(m.Value) && !Decimal128.IsInfinity(m.Value) && Decimal128.IsZero(m.Value),
        _ => true,
    };

    /// <summary>IsIndexKeysEqual: the same fields in the same order, strings equal, numbers within 1e-9.</summary>
    private static bool KeysEqual(BsonDocument a, BsonDocument b) =>
        a.ElementCount == b.ElementCount && a.Zip(b).All(p => p.First.Name == p.Second.Name && (p.First.Value, p.Second.Value) switch
        {
            (BsonString x, BsonString y) => x.Value == y.Value,
            (BsonString, _) or (_, BsonString) => false,
            var (x, y) => x.IsNumeric && y.IsNumeric && Math.Abs(x.ToDouble() - y.ToDouble()) < Epsilon,
        });

    private static void StripUnknownOptions(BsonDocument spec, string ns, Action<string> report)
    {
        var unknown = spec.Names.Where(n => !ValidOptions.Contains(n)).ToList();
        if (unknown.Count == 0) return;
        foreach (var name in unknown) spec.Remove(name);
        report($"{ns}: index {spec.GetValue("name", "?")}: options the server does not know removed ({string.Join(", ", unknown)}; -ConvertLegacyIndexes).");
    }
}
