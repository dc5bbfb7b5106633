using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// A collection's shard key, {field: 1, ...} or with one field "hashed" (shard_key_pattern.cpp): the key a document
/// falls under (a missing field counts as null; a hashed field as its <see cref="ShardKeyHasher"/> value), the key a
/// query pins down with equality on every field, and the bounds of the whole key space.
/// </summary>
internal sealed class ShardKeyPattern
{
    private ShardKeyPattern(BsonDocument pattern) => Pattern = pattern;

    public BsonDocument Pattern { get; }

    public IEnumerable<string> Fields => Pattern.Names;

    public bool IsHashed => Pattern.Values.Any(v => v.IsString);

    public static ShardKeyPattern Parse(BsonDocument pattern)
    {
        var hashed = pattern.Values.Count(v => v.IsString);
        var valid = pattern.ElementCount > 0 && hashed <= 1 &&
            pattern.Values.All(v => (v.IsString && v.AsString == "hashed") || (v.IsNumeric && v.ToDouble() == 1));
        if (!valid)
            throw CommandFailure.BadValue($"Unsupported shard key pattern {pattern.ToJson()}. Pattern must either be a single hashed field, or a list of ascending fields");
        return new ShardKeyPattern(pattern);
    }

    /// <summary>{field: MinKey, ...}: the lower bound of the first chunk.</summary>
    public BsonDocument GlobalMin => new(Pattern.Names.Select(n => new BsonElement(n, BsonMinKey.Value)));

    /// <summary>{field: MaxKey, ...}: the upper bound of the last chunk.</summary>
    public BsonDocument GlobalMax => new(Pattern.Names.Select(n => new BsonElement(n, BsonMaxKey.Value)));

    /// <summary>The index the shard key needs, as shardCollection creates it on an empty collection: {a: 1} named "a_1".</summary>
    public BsonDocument IndexSpec => new() { { "key", Pattern }, { "name", string.Join("_", Pattern.Select(e => $"{e.Name}_{e.Value}")) } };

    /// <summary>The shard key value of a document: its fields in pattern order, missing ones null, a hashed one hashed.</summary>
    public BsonDocument KeyOf(BsonDocument document)
    {
        var key = new BsonDocument();
        foreach (var element in Pattern)
        {
            var value = FieldPath.GetExact(document, element.Name) ?? BsonNull.Value;
            if (value is BsonArray)
                throw new CommandFailure(61, "ShardKeyNotFound", $"Shard key cannot contain array values or array descendants: {element.Name}");
            key.Add(element.Name, element.Value.IsString ? new BsonInt64(ShardKeyHasher.Hash(value)) : value);
        }
        return key;
    }

    /// <summary>The shard key a filter fixes by equality on every field ({a: 5} or {a: {$eq: 5}}), or null when it does not.</summary>
    public BsonDocument? ExactKeyOf(BsonDocument filter)
    {
        var values = new BsonDocument();
        foreach (var field in Pattern.Names)
        {
            if (!filter.TryGetValue(field, out var condition)) return null;
            if (condition is BsonDocument operators && operators.ElementCount > 0 && operators.GetElement(0).Name.StartsWith('$'))
            {
                if (operators.ElementCount != 1 || !operators.TryGetValue("$eq", out condition)) return null;
            }
            if (condition is BsonArray or BsonRegularExpression) return null;
            values.Add(field, condition);
        }
        return KeyOf(Unflatten(values));
    }

    /// <summary>Whether an update path ("a", "a.b") writes a shard key field or a part of one.</summary>
    public bool Touches(string path) =>
        Pattern.Names.Any(f => f == path || f.StartsWith(path + ".", StringComparison.Ordinal) || path.StartsWith(f + ".", StringComparison.Ordinal));

    /// <summary>Compares two shard key values field by field in BSON order (MinKey and MaxKey included).</summary>
    public static int Compare(BsonDocument x, BsonDocument y)
    {
        for (var i = 0; i < x.ElementCount; i++)
        {
            var order = BsonValueOrder.Instance.Compare(x[i], y[i]);
            if (order != 0) return order;
        }
        return 0;
    }

    /// <summary>{"a.b": v} as {a: {b: v}}, so dotted key fields are read back the way documents hold them.</summary>
    private static BsonDocument Unflatten(BsonDocument dotted)
    {
        var document = new BsonDocument();
        foreach (var element in dotted)
        {
            var parts = element.Name.Split('.');
            var target = document;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!target.TryGetValue(parts[i], out var next) || next is not BsonDocument nested)
                    target[parts[i]] = nested = new BsonDocument();
                target = nested;
            }
            target[parts[^1]] = element.Value;
        }
        return document;
    }
}
