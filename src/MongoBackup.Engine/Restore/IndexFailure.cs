using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What is left of a namespace whose indexes the server refused once its documents were in (a unique index over
/// documents that break it, a clash no check could see beforehand): a collection the restore created is dropped, as a
/// namespace whose file turned out damaged is taken back, so no collection stands restored without its unique or
/// secondary indexes; a collection that existed before the restore is left, and the error says what it holds: the
/// documents inserted, none of the indexes (createIndexes builds its indexes together: one refused, none is kept).
/// </summary>
internal sealed class IndexFailure(IMongoClient client, IEngineObserver observer)
{
    /// <summary>
    /// Drops the target when <paramref name="how"/> says the restore created it (and sets the result's documents to 0);
    /// returns the error to report, saying what was done with the target and what it held or holds (counted on it: the
    /// replay's writes too, and a time-series collection's measurements and buckets, <see cref="TargetHoldings"/>).
    /// </summary>
    public async Task<MongoBackupException> SettleAsync(NamespaceRestoreResult result, PreparedTarget? how, IReadOnlyList<BsonDocument> specs,
        MongoCommandException refused, CancellationToken ct)
    {
        var names = string.Join(", ", specs.Select(s => s.GetValue("name", "?").ToString()).Where(n => n != "_id_"));
        var cause = $"{result.TargetNamespace} was not restored: the server refused its indexes ({names}): {refused.ErrorMessage}.{LegacyKeys.Describe(specs)}";
        var held = await HeldAsync(result, ct);
        if (how == PreparedTarget.Created)
        {
            var (database, collection) = NamespaceName.Split(result.TargetNamespace);
            try
            {
                await client.GetDatabase(database).DropCollectionAsync(collection, ct);
                observer.Verbose($"{result.TargetNamespace}: dropped, with the {held} restored into it, after its indexes were refused.");
                (result.Documents, result.Stage) = (0, NamespaceRestoreStage.NotStarted);
                return Failure(result, refused, $"{cause} The restore had created it, so it was dropped with the {held} " +
                    "restored into it: nothing of it is left on the target. Fix the cause and restore it again, or restore it with -NoIndexRestore.");
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                cause += $" It could not be dropped ({e.Message}):";
            }
        }
        // A namespace the replay created (no result of the plan's) holds what the replay wrote: counted with the others.
        if (how is null && result.Stage < NamespaceRestoreStage.DataRestored) result.Stage = NamespaceRestoreStage.DataRestored;
        var existed = how is PreparedTarget.KeptEmpty or PreparedTarget.KeptWithData;
        return Failure(result, refused, $"{cause} {(existed ? "It existed before this restore, so it" : "It")} was left " +
            $"holding the {held} restored into it, without these indexes (none of them was built). " +
            "Remove them, or restore it again with -Drop once the cause is fixed.");
    }

    /// <summary>What the target holds now; what was inserted from the dump when the server does not answer the count.</summary>
    private async Task<string> HeldAsync(NamespaceRestoreResult result, CancellationToken ct)
    {
        try
        {
            return await TargetHoldings.CountAsync(client, result.TargetNamespace, result.IsTimeseries, ct);
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            var inserted = result.IsTimeseries ? TargetHoldings.Buckets(result.Documents) : TargetHoldings.Documents(result.Documents);
            return $"{inserted} inserted from the dump (and whatever the replay wrote; it could not be counted: {e.Message})";
        }
    }

    private static MongoBackupException Failure(NamespaceRestoreResult result, Exception cause, string message) =>
        new(ErrorIds.NamespaceRestoreFailed, message, cause, result.TargetNamespace);
}
