using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The donor's range deleter (db/s/range_deletion_util.cpp, README_range_deleter.md): after a chunk moved away, its
/// documents stay on the donor as orphans until the deleter removes them, orphanCleanupDelaySecs (the donor's server
/// parameter, default 900) after the migration committed (kDelayed). Meanwhile the donor's config.rangeDeletions holds
/// the task ({_id: migration id, nss, collectionUuid, donorShardId, range, whenToClean: "delayed", numOrphanDocs}, as
/// range_deletion_task.idl names its fields), removed when the range is clean. moveChunk with _waitForDelete, or a delay
/// of 0 or less, deletes at once (kNow). A range the donor owns again when its time comes is left alone, as a real
/// deleter refuses a range that overlaps a chunk the shard owns.
/// </summary>
internal sealed class RangeDeleter(ClusterRouter router) : IDisposable
{
    private readonly CancellationTokenSource _stopped = new();

    /// <summary>Deletes the moved range now, or records the task and deletes it after the donor's delay.</summary>
    public void Schedule(ClusterMember donor, RoutingTable routing, BsonDocument chunk, BsonValue migrationId, int orphans, bool waitForDelete)
    {
        var delay = donor.Server.State.Parameters.OrphanCleanupDelaySecs;
        if (waitForDelete || delay <= 0)
        {
            ChunkMigration.DeleteRange(donor, routing, chunk, router.ClusterTime());
            return;
        }
        var task = new BsonDocument
        {
            { "_id", migrationId }, { "nss", routing.Namespace }, { "collectionUuid", routing.Uuid }, { "donorShardId", donor.Name },
            { "range", new BsonDocument { { "min", chunk["min"] }, { "max", chunk["max"] } } },
            { "whenToClean", "delayed" }, { "numOrphanDocs", (long)orphans },
        };
        donor.RunChecked("config", new BsonDocument { { "insert", "rangeDeletions" }, { "documents", new BsonArray { task } } }, router.ClusterTime());
        _ = RunLaterAsync(donor, routing.Namespace, chunk, migrationId, TimeSpan.FromSeconds(delay));
    }

    private async Task RunLaterAsync(ClusterMember donor, string ns, BsonDocument chunk, BsonValue migrationId, TimeSpan delay)
    {
        try { await Task.Delay(delay, _stopped.Token); }
        catch (OperationCanceledException) { return; }
        lock (router.Sync)
        {
            if (_stopped.IsCancellationRequested || router.Routing(ns) is not { } routing) return;
            var ownedAgain = routing.Chunks.Any(c => c["shard"].AsString == donor.Name &&
                ShardKeyPattern.Compare(c["min"].AsBsonDocument, chunk["max"].AsBsonDocument) < 0 &&
                ShardKeyPattern.Compare(chunk["min"].AsBsonDocument, c["max"].AsBsonDocument) < 0);
            if (!ownedAgain) ChunkMigration.DeleteRange(donor, routing, chunk, router.ClusterTime());
            donor.Run("config", new BsonDocument
            {
                { "delete", "rangeDeletions" },
                { "deletes", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", migrationId) }, { "limit", 1 } } } },
            }, router.ClusterTime());
        }
    }

    /// <summary>Stops the deletions still waiting (the cluster is shutting down).</summary>
    public void Dispose()
    {
        _stopped.Cancel();
        _stopped.Dispose();
    }
}
