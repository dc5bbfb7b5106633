using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// How many documents each restored collection holds once the restore has ended: the documents inserted from the
/// snapshot, then what the oplog replay (to the snapshot's consistency point, or a point in time) inserted and deleted.
/// This is what a DBA compares with the source; <see cref="NamespaceRestoreResult.Documents"/> stays what was inserted
/// from the snapshot's files. Counted with the count command (the collection's recorded size, as
/// db.collection.estimatedDocumentCount() reads it), so it costs one round trip per collection whatever its size. A
/// time-series collection's count is its measurements (<see cref="TimeseriesMeasurements"/>: what a user counts on it,
/// not its buckets, which its file and the snapshot's manifest count), at the cost of a scan of its buckets: so it is
/// counted again only when that count can differ from the one taken as its buckets went in
/// (<see cref="NamespaceRestoreResult.Measurements"/>): the replay wrote to it (<see cref="Oplog.Replay.ReplayWrites"/>), or it
/// failed after that count. Otherwise that count is its final one.
/// A namespace that failed after its documents went in (its indexes refused, say) and was left holding them is counted
/// too: what the target holds, restored whole or not.
/// </summary>
internal static class FinalCounts
{
    public static async Task CountAsync(IMongoClient client, RestoreOutcome outcome, CancellationToken ct)
    {
        // Each target is one source's: the plan refuses two sources renamed onto one (RestorePlanner.RequireDistinctTargets).
        foreach (var ns in outcome.Namespaces.Where(n => (n.Error is null || n.Stage >= NamespaceRestoreStage.DataRestored) && n.Type is CollectionMetadata.CollectionType or CollectionMetadata.TimeseriesType))
        {
            if (CountedBeforeReplay(outcome, ns) is { } measured)
            {
                ns.FinalDocuments = measured;
                continue;
            }
            var (database, collection) = NamespaceName.Split(ns.TargetNamespace);
            try
            {
                ns.FinalDocuments = ns.IsTimeseries
                    ? await TimeseriesMeasurements.CountAsync(client, database, collection, ct)
                    : await client.GetDatabase(database).GetCollection<BsonDocument>(collection).EstimatedDocumentCountAsync(cancellationToken: ct);
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                // Left unknown (null): the count reports on the restore, which itself succeeded.
            }
        }
    }

    /// <summary>
    /// A time-series target's measurements as counted once its buckets were all in, when nothing after could change them:
    /// it did not fail afterwards (its indexes refused, say: it may have been dropped), and no replayed operation wrote
    /// to it. Null when it must be counted.
    /// </summary>
    private static long? CountedBeforeReplay(RestoreOutcome outcome, NamespaceRestoreResult ns) =>
        ns is { IsTimeseries: true, Error: null, Measurements: { } measured } && outcome.ReplayWrites?.Touched(ns.TargetNamespace) != true
            ? measured : null;
}
