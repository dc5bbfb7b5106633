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
    /// returns the error to report, saying what was done with the target and its documents.
    /// </summary>
    public async Task<MongoBackupException> SettleAsync(NamespaceRestoreResult result, PreparedTarget? how, IReadOnlyList<BsonDocument> specs,
        MongoCommandException refused, CancellationToken ct)
    {
        var names = string.Join(", ", specs.Select(s => s.GetValue("name", "?").ToString()).Where(n => n != "_id_"));
        var cause = $"{result.TargetNamespace} was not restored: the server refused its indexes ({names}): {refused.ErrorMessage}.";
        if (how == PreparedTarget.Created)
        {
            var (database, collection) = NamespaceName.Split(result.TargetNamespace);
            try
            {
                await client.GetDatabase(database).DropCollectionAsync(collection, ct);
                observer.Verbose($"{result.TargetNamespace}: dropped, with the {result.Documents:N0} documents restored into it, after its indexes were refused.");
                var dropped = result.Documents;
                (result.Documents, result.Stage) = (0, NamespaceRestoreStage.NotStarted);
                return Failure(result, refused, $"{cause} The restore had created it, so it was dropped with the {dropped:N0} documents " +
                    "restored into it: nothing of it is left on the target. Fix the cause and restore it again, or restore it with -NoIndexRestore.");
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                cause += $" It could not be dropped ({e.Message}):";
            }
        }
        var existed = how is PreparedTarget.KeptEmpty or PreparedTarget.KeptWithData;
        return Failure(result, refused, $"{cause} {(existed ? "It existed before this restore, so it" : "It")} was left " +
            $"holding the {result.Documents:N0} documents restored into it, without these indexes (none of them was built). " +
            "Remove them, or restore it again with -Drop once the cause is fixed.");
    }

    private static MongoBackupException Failure(NamespaceRestoreResult result, Exception cause, string message) =>
        new(ErrorIds.NamespaceRestoreFailed, message, cause, result.TargetNamespace);
}
