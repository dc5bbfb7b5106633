using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Which shard owned each sharded collection's documents at a cluster snapshot's cut, from the config.collections and
/// config.chunks it saved (read after the cut, with no chunk moved since the shards were copied, so they are the
/// ownership at T). A shard's copy of a collection can hold documents it did not own: orphans a migration left on its
/// donor until the range deleter runs (orphanCleanupDelaySecs after the commit, 900 s by default), or a recipient's copy
/// of a migration that did not commit. Reading a shard directly, as the backup does, sees them (only a versioned read
/// through mongos filters them out, the SHARDING_FILTER stage), so a restore keeps a shard's document only when the chunk
/// holding its shard key belongs to that shard. Unsharded collections live on their database's primary shard and are
/// kept whole.
/// </summary>
internal sealed class ChunkOwnership
{
    private readonly Dictionary<string, ChunkedCollection> _collections;

    private ChunkOwnership(Dictionary<string, ChunkedCollection> collections) => _collections = collections;

    /// <summary>No collection known sharded: every document is kept (a snapshot without cluster metadata).</summary>
    public static ChunkOwnership None { get; } = new([]);

    /// <summary>The sharded collection <paramref name="ns"/> ("db.coll"), or null when it was not sharded.</summary>
    public ChunkedCollection? Of(string ns) => _collections.GetValueOrDefault(ns);

    /// <summary>Reads config.collections and config.chunks from the snapshot's metadata folder, checked against its manifest.</summary>
    /// <exception cref="CorruptDumpException">A metadata file is damaged or missing.</exception>
    public static async Task<ChunkOwnership> ReadAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        var collections = await ReadMetadataAsync(repository, manifest, dataKey, "collections", ct);
        var chunks = await ReadMetadataAsync(repository, manifest, dataKey, "chunks", ct);
        // A chunk names its collection by uuid (MongoDB 5.0 and later) or by ns (before).
        var byOwner = chunks.GroupBy(c => c.GetValue("uuid", null) ?? c.GetValue("ns", BsonNull.Value)).ToDictionary(g => g.Key, g => g.ToList());
        var sharded = new Dictionary<string, ChunkedCollection>(StringComparer.Ordinal);
        foreach (var entry in collections.Where(c => !c.GetValue("dropped", false).ToBoolean() && c.Contains("key")))
        {
            var owned = byOwner.GetValueOrDefault(entry.GetValue("uuid", BsonNull.Value)) ?? byOwner.GetValueOrDefault(entry["_id"]) ?? [];
            // A sharded collection always has a chunk; one listed without any is not filtered rather than emptied.
            if (owned.Count > 0) sharded[entry["_id"].AsString] = new ChunkedCollection(entry["key"].AsBsonDocument, owned);
        }
        return new ChunkOwnership(sharded);
    }

    private static async Task<List<BsonDocument>> ReadMetadataAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        string name, CancellationToken ct) =>
        await ClusterMetadataFiles.ReadAsync(repository, manifest, dataKey, name, ct)
            ?? throw new CorruptDumpException(ClusterMetadataFiles.PathOf(manifest, name), "the cluster snapshot's manifest lists no such file: which shard owned what at the cut is unknown");
}

/// <summary>One sharded collection at the cut: its shard key pattern and its chunks in order of their lower bound.</summary>
internal sealed class ChunkedCollection
{
    private readonly (string Field, bool Hashed)[] _key;
    private readonly (BsonValue[] Min, string Shard)[] _chunks;

    public ChunkedCollection(BsonDocument pattern, IEnumerable<BsonDocument> chunks)
    {
        _key = pattern.Select(e => (e.Name, e.Value.IsString && e.Value.AsString == "hashed")).ToArray();
        _chunks = chunks.Select(c => (c["min"].AsBsonDocument.Values.ToArray(), c["shard"].AsString)).ToArray();
        Array.Sort(_chunks, (a, b) => ShardKeyOrder.Compare(a.Min, b.Min));
    }

    /// <summary>Whether the document (raw BSON, <paramref name="length"/> bytes at <paramref name="offset"/>) falls in a chunk of <paramref name="shard"/>.</summary>
    public bool Owns(string shard, byte[] buffer, int offset, int length)
    {
        using var document = new RawBsonDocument(new ByteBufferSlice(new ByteArrayBuffer(buffer, offset + length, isReadOnly: true), offset, length));
        var key = new BsonValue[_key.Length];
        for (var i = 0; i < _key.Length; i++)
        {
            var value = FieldOf(document, _key[i].Field);
            key[i] = _key[i].Hashed ? new BsonInt64(ShardKeyHash.Of(value)) : value;
        }
        // The last chunk whose lower bound is at or below the key (chunks tile the key space from MinKey to MaxKey).
        int low = 0, high = _chunks.Length - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (ShardKeyOrder.Compare(_chunks[middle].Min, key) <= 0) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found >= 0 && _chunks[found].Shard == shard;
    }

    /// <summary>A (dotted) field's value; a missing one counts as null, as a shard key does since MongoDB 4.4.</summary>
    private static BsonValue FieldOf(BsonDocument document, string path)
    {
        BsonValue current = document;
        foreach (var part in path.Split('.'))
        {
            if (current is not BsonDocument nested || !nested.TryGetValue(part, out current!)) return BsonNull.Value;
        }
        return current is RawBsonDocument raw ? raw.Materialize(new BsonBinaryReaderSettings()) : current;
    }
}
