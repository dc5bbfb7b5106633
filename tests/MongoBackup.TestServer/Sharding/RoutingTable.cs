using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// A sharded collection as the router sees it: its config.collections entry, shard key and chunks (sorted by min), and
/// which shard owns a key (the chunk with min &lt;= key &lt; max).
/// </summary>
internal sealed class RoutingTable
{
    public RoutingTable(BsonDocument entry, List<BsonDocument> chunks)
    {
        Entry = entry;
        Key = ShardKeyPattern.Parse(entry["key"].AsBsonDocument);
        chunks.Sort((a, b) => ShardKeyPattern.Compare(a["min"].AsBsonDocument, b["min"].AsBsonDocument));
        Chunks = chunks;
    }

    public BsonDocument Entry { get; }
    public string Namespace => Entry["_id"].AsString;
    public BsonValue Uuid => Entry["uuid"];
    public ShardKeyPattern Key { get; }
    public IReadOnlyList<BsonDocument> Chunks { get; }

    /// <summary>The shards owning at least one chunk, in chunk order.</summary>
    public IEnumerable<string> Shards => Chunks.Select(c => c["shard"].AsString).Distinct();

    public BsonDocument ChunkFor(BsonDocument key) =>
        Chunks.Last(c => ShardKeyPattern.Compare(c["min"].AsBsonDocument, key) <= 0);

    public string ShardFor(BsonDocument key) => ChunkFor(key)["shard"].AsString;

    /// <summary>The highest chunk version (lastmod Timestamp(major, minor)) of the collection.</summary>
    public BsonTimestamp HighestVersion => Chunks.Select(c => c["lastmod"].AsBsonTimestamp).Max()!;
}
