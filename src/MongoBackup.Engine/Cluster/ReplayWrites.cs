using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The ordinary writes a replayed operation becomes through a mongos, idempotent as applyOps makes a replay's: an insert is
/// an upsert replacing by the document's key (_id and the shard key's fields, which mongos needs to route an upsert); a
/// delete removes the one document its key names; a full replacement is an upsert by the new document's key, and the
/// $set/$unset form of MongoDB before 5.0 is sent as it is. A "$v: 2" delta needs its document read first (none here).
/// <para>
/// A replacement or delta that changed the document's shard key value: mongod logs an update that leaves the document on its
/// shard as one 'u' entry whose o2 is the document key it held before (update_stage.cpp: the criteria is the document key
/// of the pre-image), and one that moves it to another shard as a delete on the old shard and an insert on the new one,
/// inside a transaction (mongos on WouldChangeOwningShard; see <see cref="CrossShardTransactions"/> for their order). The
/// target's chunks need not be the source's, so an upsert by the new key alone would miss the document still under the old
/// one and add a second of its _id (or fail on DuplicateKey on the same shard): the old document is deleted first, by the key
/// the entry names, then the new one upserted.
/// </para>
/// <para>
/// Every write names the simple collation: an entry carries the values as stored, and chunks are in binary order, so
/// under a collection's non-simple default collation mongos would refuse to target an upsert by a string shard key
/// ("Failed to target upsert by query :: caused by :: Cannot target single shard due to collation of key ...",
/// ChunkManager::findIntersectingChunk) and a delete or update could reach a document equal only under the collation.
/// </para>
/// </summary>
internal sealed class ReplayWrites(ReplayShardKeys keys)
{
    /// <summary>The shard keys the writes are keyed by, which the replay's shardCollection and drops change.</summary>
    public ReplayShardKeys Keys => keys;

    /// <summary>The writes <paramref name="operation"/> is, in order, when it needs nothing read first; null for a "$v: 2" update.</summary>
    public IReadOnlyList<WriteModel<BsonDocument>>? Of(BsonDocument operation)
    {
        var ns = operation["ns"].AsString;
        var o = operation["o"].AsBsonDocument;
        switch (operation["op"].AsString)
        {
            case "i":
                return [new ReplaceOneModel<BsonDocument>(keys.KeyOf(ns, o), o) { IsUpsert = true, Collation = Collation.Simple }];
            case "d":
                return [new DeleteOneModel<BsonDocument>(o) { Collation = Collation.Simple }];
        }
        var documentKey = operation["o2"].AsBsonDocument;
        if (o.GetValue("$v", BsonNull.Value) is { IsNumeric: true } v && v.ToInt32() == 2) return null;
        if (o.Names.Any(n => n.StartsWith('$'))) return [new UpdateOneModel<BsonDocument>(documentKey, new BsonDocument(o.Where(e => e.Name != "$v"))) { Collation = Collation.Simple }];
        var replacement = o.Contains("_id") ? o : new BsonDocument(documentKey.GetElement("_id")).AddRange(o);
        return Replacing(documentKey, keys.KeyOf(ns, replacement), replacement);
    }

    /// <summary>
    /// <paramref name="after"/> put in the place of the document read as <paramref name="before"/> (a "$v: 2" delta applied
    /// to it): a replacement by its key, or when the delta changed its shard key value, its delete and the new one's upsert.
    /// </summary>
    public IReadOnlyList<WriteModel<BsonDocument>> Replacing(string ns, BsonDocument before, BsonDocument after) =>
        Replacing(keys.KeyOf(ns, before), keys.KeyOf(ns, after), after, upsert: false);

    private static IReadOnlyList<WriteModel<BsonDocument>> Replacing(BsonDocument oldKey, BsonDocument newKey, BsonDocument replacement, bool upsert = true)
    {
        var replace = new ReplaceOneModel<BsonDocument>(newKey, replacement) { IsUpsert = upsert, Collation = Collation.Simple };
        if (SameKey(oldKey, newKey)) return [replace];
        replace.IsUpsert = true;
        return [new DeleteOneModel<BsonDocument>(oldKey) { Collation = Collation.Simple }, replace];
    }

    /// <summary>Whether <paramref name="oldKey"/> (a document key as logged, or as read) names every field of <paramref name="newKey"/> with its value.</summary>
    private static bool SameKey(BsonDocument oldKey, BsonDocument newKey) =>
        newKey.All(e => oldKey.TryGetValue(e.Name, out var value) && value.CompareTo(e.Value) == 0);
}
