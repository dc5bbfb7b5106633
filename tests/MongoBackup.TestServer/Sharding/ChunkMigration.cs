using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// Moves one chunk's documents between shards as a migration does (db/s/migration_source_manager.cpp,
/// migration_destination_manager.cpp, range_deletion_util.cpp): the recipient gets the collection first if it has none
/// (same UUID, options and indexes, cloneCollectionIndexesAndOptions), then the chunk's documents inserted with
/// fromMigrate: true entries; the caller commits the chunk's new owner; the donor then deletes the range, its delete
/// entries fromMigrate: true too, when its range deleter's time comes (<see cref="RangeDeleter"/>).
/// </summary>
internal static class ChunkMigration
{
    /// <summary>Creates db.name on <paramref name="recipient"/> as the donor has it, unless it is there already.</summary>
    public static void EnsureCollection(ClusterMember donor, ClusterMember recipient, string database, string name, BsonTimestamp clusterTime)
    {
        var donorState = donor.Server.State;
        BsonDocument options;
        Guid uuid;
        List<BsonDocument> indexes;
        BsonDocument? shardKey;
        using (donorState.Catalog.Lock.Exclusive())
        {
            var source = donorState.Catalog.Find(database, name)
                ?? throw CommandFailure.NamespaceNotFound($"ns does not exist on the donor shard {donor.Name}: {database}.{name}");
            options = new BsonDocument(source.Options);
            uuid = source.Uuid;
            shardKey = source.ShardKey;
            indexes = source.Indexes.Where(i => !i.IsIdIndex).Select(i => new BsonDocument(i.Spec)).ToList();
        }
        var state = recipient.Server.State;
        state.Oplog!.Witness(clusterTime);
        using (state.Catalog.Lock.Exclusive())
        {
            if (state.Catalog.Find(database, name) != null) return;
            state.CatalogWriter.Create(database, name, options, state.PlainWrites, uuid);
            state.Catalog.Find(database, name)!.ShardKey = shardKey;
        }
        if (indexes.Count > 0)
            recipient.RunChecked(database, new BsonDocument { { "createIndexes", name }, { "indexes", new BsonArray(indexes) } }, clusterTime);
    }

    /// <summary>
    /// The donor's no-op entries that tell change streams a shard gained its first chunk of a collection, or lost its last
    /// (migration_util.cpp notifyChangeStreamsOnRecipientFirstChunk, notifyChangeStreamsOnDonorLastChunk):
    /// {op: "n", ns, ui, o: {msg}, o2: {migrateChunkToNewShard: ns, fromShardId, toShardId}} and
    /// {op: "n", ns, ui, o: {msg}, o2: {migrateLastChunkFromShard: ns, shardId}}.
    /// </summary>
    public static void NotifyChangeStreams(ClusterMember donor, RoutingTable routing, string recipient, bool firstOnRecipient, bool lastOnDonor)
    {
        var oplog = donor.Server.State.Oplog!;
        var ns = routing.Namespace;
        using (donor.Server.State.Catalog.Lock.Exclusive())
        {
            if (firstOnRecipient)
                oplog.Write(new BsonDocument
                {
                    { "op", "n" }, { "ns", ns }, { "ui", routing.Uuid },
                    { "o", new BsonDocument("msg", $"Migrating chunk from shard {donor.Name} to shard {recipient} with no chunks for this collection") },
                    { "o2", new BsonDocument { { "migrateChunkToNewShard", ns }, { "fromShardId", donor.Name }, { "toShardId", recipient } } },
                });
            if (lastOnDonor)
                oplog.Write(new BsonDocument
                {
                    { "op", "n" }, { "ns", ns }, { "ui", routing.Uuid },
                    { "o", new BsonDocument("msg", $"Migrate the last chunk for {ns} off shard {donor.Name}") },
                    { "o2", new BsonDocument { { "migrateLastChunkFromShard", ns }, { "shardId", donor.Name } } },
                });
        }
    }

    /// <summary>Copies the documents of [min, max) from donor to recipient; returns how many.</summary>
    public static int Clone(ClusterMember donor, ClusterMember recipient, RoutingTable routing, BsonDocument chunk, BsonTimestamp clusterTime)
    {
        var (database, name) = Catalog.SplitNamespace(routing.Namespace);
        var documents = InRange(donor, database, name, routing, chunk).Select(d => d.Document).ToList();
        var state = recipient.Server.State;
        state.Oplog!.Witness(clusterTime);
        using (state.Catalog.Lock.Exclusive())
        {
            var collection = state.Catalog.Find(database, name)!;
            var writes = new WriteContext(new FromMigrateSink(state.Oplog));
            foreach (var document in documents) state.DocumentWriter.Insert(collection, document, writes);
        }
        return documents.Count;
    }

    /// <summary>Deletes the documents of [min, max) from the donor (the range deleter's work).</summary>
    public static void DeleteRange(ClusterMember donor, RoutingTable routing, BsonDocument chunk, BsonTimestamp clusterTime)
    {
        var (database, name) = Catalog.SplitNamespace(routing.Namespace);
        var state = donor.Server.State;
        state.Oplog!.Witness(clusterTime);
        using (state.Catalog.Lock.Exclusive())
        {
            var collection = state.Catalog.Find(database, name)!;
            var writes = new WriteContext(new FromMigrateSink(state.Oplog));
            foreach (var (recordId, document) in InRangeLocked(collection, routing, chunk))
                state.DocumentWriter.Delete(collection, recordId, document, writes);
        }
    }

    private static List<(long RecordId, BsonDocument Document)> InRange(ClusterMember donor, string database, string name, RoutingTable routing, BsonDocument chunk)
    {
        var state = donor.Server.State;
        using (state.Catalog.Lock.Exclusive())
        {
            var collection = state.Catalog.Find(database, name);
            return collection == null ? [] : InRangeLocked(collection, routing, chunk);
        }
    }

    private static List<(long RecordId, BsonDocument Document)> InRangeLocked(Collection collection, RoutingTable routing, BsonDocument chunk)
    {
        var min = chunk["min"].AsBsonDocument;
        var max = chunk["max"].AsBsonDocument;
        var found = new List<(long, BsonDocument)>();
        foreach (var (id, recordId) in collection.IdOrder())
        {
            var document = Collection.Parse(collection.Records.Get(recordId));
            var key = routing.Key.KeyOf(document);
            if (ShardKeyPattern.Compare(min, key) <= 0 && ShardKeyPattern.Compare(key, max) < 0) found.Add((recordId, document));
        }
        return found;
    }
}
