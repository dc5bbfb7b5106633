using MongoDB.Bson;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The shard key fields each target collection's replayed writes are keyed by through a mongos, as the replay changes
/// them: a replayed shardCollection gives its collection a key, a drop of the collection or of its database takes it off.
/// An upsert through mongos must name the whole shard key (ShardKeyNotFound otherwise), so a write's key is its _id and
/// those fields.
/// </summary>
internal sealed class ReplayShardKeys(IReadOnlyDictionary<string, IReadOnlyList<string>> initial)
{
    private readonly Dictionary<string, IReadOnlyList<string>> _keys = new(initial, StringComparer.Ordinal);

    /// <summary>Follows a command applied on <paramref name="database"/> (its body <paramref name="body"/>).</summary>
    public void Follow(string database, BsonDocument body)
    {
        switch (body.GetElement(0).Name)
        {
            case "shardCollection":
                _keys[body["shardCollection"].AsString] = body["key"].AsBsonDocument.Names.ToList();
                break;
            case "drop":
                _keys.Remove(database + "." + body["drop"].AsString);
                break;
            case "dropDatabase":
                foreach (var ns in _keys.Keys.Where(n => n.StartsWith(database + ".", StringComparison.Ordinal)).ToList()) _keys.Remove(ns);
                break;
        }
    }

    /// <summary>The document's key: its _id and the values of its collection's shard key fields (null where it has none).</summary>
    public BsonDocument KeyOf(string ns, BsonDocument document)
    {
        var key = new BsonDocument("_id", document["_id"]);
        if (!_keys.TryGetValue(ns, out var fields)) return key;
        foreach (var field in fields.Where(f => f != "_id")) key[field] = ValueAt(document, field);
        return key;
    }

    private static BsonValue ValueAt(BsonDocument document, string path)
    {
        BsonValue current = document;
        foreach (var part in path.Split('.'))
        {
            if (current is not BsonDocument d || !d.TryGetValue(part, out current!)) return BsonNull.Value;
        }
        return current;
    }
}
