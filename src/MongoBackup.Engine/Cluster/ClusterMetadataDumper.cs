using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The config server's description of the cluster, read through mongos (which serves the config database from the
/// config server): config.databases (each database's primary shard), collections (shard keys), chunks (ranges and
/// owners), shards, tags (zones), settings (balancer, chunk size) and version (the cluster's id): the config collections
/// a whole mongodump 100.11 keeps (common/dumprestore/config.go ConfigCollectionsToKeep). Saved as BSON files in
/// mongodump's layout (config/NAME.bson) under the snapshot's metadata folder, never as namespaces of the snapshot: a
/// restore into a sharded cluster shards its targets by them and writes nothing into the target's config (mongorestore
/// too refuses a whole restore holding config through a mongos); a restore into a replica set does not need them.
/// </summary>
internal static class ClusterMetadataDumper
{
    public static readonly string[] Collections = ["databases", "collections", "chunks", "shards", "tags", "settings", "version"];

    public static async Task DumpAsync(IMongoClient mongos, SnapshotFileSet files, CancellationToken ct)
    {
        var config = mongos.GetDatabase("config");
        foreach (var name in Collections)
        {
            var collection = config.GetCollection<RawBsonDocument>(name);
            var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("_id", 1) };
            using var cursor = await DriverErrors.Translate(() => collection.FindAsync(FilterDefinition<RawBsonDocument>.Empty, options, ct), mongos);
            await RawDocumentFileWriter.WriteAsync(files, DumpLayout.DataFile("config", name, files.Compression), Documents(cursor, ct), ct);
        }
    }

    private static async IAsyncEnumerable<RawBsonDocument> Documents(IAsyncCursor<RawBsonDocument> cursor, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (await cursor.MoveNextAsync(ct))
            foreach (var document in cursor.Current)
                yield return document;
    }
}
