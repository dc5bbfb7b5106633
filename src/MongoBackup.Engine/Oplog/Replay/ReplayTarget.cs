using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Sends rewritten operations to the target through applyOps: CRUD operations in batches, commands one at a time.
/// Every operation a replay sends is idempotent (an insert of an existing _id becomes a replacement, updates carry
/// their result), so a refused batch is sent again one operation at a time: everything before the refused one is
/// applied and counted, and the error names it.
/// </summary>
public sealed class ReplayTarget(IMongoClient client) : IReplayTarget
{
    private const int NamespaceNotFound = 26, NamespaceExists = 48;
    private readonly IMongoDatabase _admin = client.GetDatabase("admin");

    /// <summary>The items applied, in order, and the error of the first refused one (null when all were applied).</summary>
    public async Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(
        IReadOnlyList<ApplyOpsBatch.Item> items, CancellationToken ct)
    {
        if (items.Count == 0) return ([], null);
        try
        {
            await _admin.RunCommandAsync<BsonDocument>(ApplyOpsBatch.Command(items), cancellationToken: ct);
            return (items, null);
        }
        catch (MongoException) when (items.Count > 1)
        {
            for (var i = 0; i < items.Count; i++)
            {
                try { await _admin.RunCommandAsync<BsonDocument>(ApplyOpsBatch.Command([items[i]]), cancellationToken: ct); }
                catch (MongoException e) { return (items.Take(i).ToList(), Failed(items[i].Operation, e)); }
            }
            return (items, null);
        }
        catch (MongoException e)
        {
            return ([], Failed(items[0].Operation, e));
        }
    }

    /// <summary>
    /// Applies one command entry. A command on a collection the target does not have (26) changes nothing there, and
    /// a create of one it already has (48: restored from the dump, or a view made by its system.views write) is done.
    /// </summary>
    public async Task<MongoBackupException?> ApplyCommandAsync(BsonDocument entry, CancellationToken ct)
    {
        try
        {
            await _admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "applyOps", new BsonArray { entry } }, { "bypassDocumentValidation", true } }, cancellationToken: ct);
            return null;
        }
        catch (MongoCommandException e) when (e.Code == NamespaceNotFound || (e.Code == NamespaceExists && entry["o"].AsBsonDocument.GetElement(0).Name == "create"))
        {
            return null;
        }
        catch (MongoException e)
        {
            return Failed(entry, e);
        }
    }

    /// <summary>OplogReplayFailed for <paramref name="entry"/>, refused by the server with <paramref name="e"/>.</summary>
    public static MongoBackupException Failed(BsonDocument entry, MongoException e)
    {
        var at = entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts ? OplogTimestamp.FromBsonTimestamp(ts).ToString() : "an unknown timestamp";
        var why = e is MongoCommandException command ? command.ErrorMessage : e.Message;
        return new MongoBackupException(ErrorIds.OplogReplayFailed,
            $"Replaying the oplog failed at {at} ({entry.GetValue("op", "")} on {entry.GetValue("ns", "")}): the server refused: {why}. " +
            "The entries before it were applied.", e);
    }
}
