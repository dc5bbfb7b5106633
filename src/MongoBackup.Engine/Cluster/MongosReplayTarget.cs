using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A replay into a sharded cluster, through its mongos: mongos has no applyOps (no such command since 3.4; "applyOps not
/// allowed through mongos" before), so each rewritten operation becomes the ordinary writes that have its effect, routed by
/// mongos to the shard owning the document, idempotent as applyOps makes a replay's (<see cref="ReplayWrites"/>: an insert is
/// an upsert by the document's key, a delete removes the one document its key names, a replacement that changed the shard
/// key value deletes the document under its old key first). A "$v: 2" update reads the document and replaces it with the
/// entry applied to it (<see cref="UpdateDiff"/>). An update of a document the target does not have changes nothing: a hot
/// backup copied it after its delete, which comes later in the oplog. Commands run through mongos as their own commands; a
/// shardCollection the replay found in the oplog (<see cref="ShardingEvents"/>) on admin, after which that collection's
/// writes carry its new key (<see cref="ReplayShardKeys"/>). A committed transaction's writes are applied in one
/// transaction of the restore's own session through the mongos (a distributed transaction when they reach several
/// shards), so the target never holds part of one. A database the replay writes into (or creates a collection in) that the
/// cluster does not know is placed first by the restore's <see cref="RestoreDatabases"/> (for a replica set's restore, on
/// the primary shard of its other databases), not where mongos would put it on the first write.
/// </summary>
/// <param name="client">The mongos.</param>
/// <param name="shardKeys">The shard key fields of each sharded target namespace (after renames) when the replay begins.</param>
/// <param name="sharded">
/// Called after a replayed shardCollection with the source namespace (the entry's o2.source) and the target's, to
/// recreate what else the source's sharding holds (its zone ranges); may be null.
/// </param>
/// <param name="databases">
/// The databases the restore creates: a database the replay writes into first is placed by it (a replica set's restore
/// puts it on the primary shard of its other databases), and one a rename needs is counted as the restore's. Null: the
/// cluster places them (none on one shard).
/// </param>
public sealed class MongosReplayTarget(IMongoClient client, IReadOnlyDictionary<string, IReadOnlyList<string>> shardKeys,
    Func<string, string, CancellationToken, Task>? sharded = null, RestoreDatabases? databases = null) : ITransactionalReplayTarget
{
    private const int NamespaceNotFound = 26, NamespaceExists = 48, IndexOptionsConflict = 85, CommandFailed = 125;
    private readonly ReplayWrites _writes = new(new ReplayShardKeys(shardKeys));
    private readonly RestoreDatabases _databases = databases ?? new RestoreDatabases(client, onOneShard: false);
    private MongosRenameTarget? _renames;
    private MongosRenameTarget Renames => _renames ??= new(client, _databases);

    /// <inheritdoc />
    /// <remarks>
    /// Consecutive writes to one collection that need nothing read go as one ordered bulk write (one command per kind, as
    /// the driver splits it); a "$v: 2" update sends what is gathered first, then reads its document.
    /// </remarks>
    public Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(IReadOnlyList<ApplyOpsBatch.Item> items, CancellationToken ct) =>
        ApplyAsync(items, null, ct);

    /// <inheritdoc />
    /// <remarks>
    /// The writes go as <see cref="ApplyAsync(IReadOnlyList{ApplyOpsBatch.Item}, CancellationToken)"/> sends them, in a
    /// transaction (snapshot read concern, majority write concern: the driver's defaults for one) committed once all are
    /// in; a refused one aborts it. A commit whose outcome is unknown is retried once by the driver.
    /// </remarks>
    public async Task<MongoBackupException?> ApplyTransactionAsync(IReadOnlyList<BsonDocument> operations, CancellationToken ct)
    {
        using var session = await client.StartSessionAsync(cancellationToken: ct);
        session.StartTransaction();
        var (_, error) = await ApplyAsync(operations.Select(o => new ApplyOpsBatch.Item(o, 0, 0, 0)).ToList(), session, ct);
        try
        {
            if (error is not null)
            {
                await session.AbortTransactionAsync(ct);
                return error;
            }
            await session.CommitTransactionAsync(ct);
            return null;
        }
        catch (MongoException e)
        {
            return error ?? ReplayTarget.Failed(operations[^1], e);
        }
    }

    private async Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(IReadOnlyList<ApplyOpsBatch.Item> items,
        IClientSessionHandle? session, CancellationToken ct)
    {
        var run = new List<WriteModel<BsonDocument>>();
        // The item each write of the run replays (a replacement that changed its shard key is two writes).
        var runItems = new List<int>();
        var runNamespace = "";
        for (var i = 0; i <= items.Count; i++)
        {
            var operation = i < items.Count ? items[i].Operation : null;
            try
            {
                var models = operation is null ? null : _writes.Of(operation);
                var ns = operation?["ns"].AsString;
                if (run.Count > 0 && (models is null || ns != runNamespace))
                {
                    if (await SendRunAsync(runNamespace, run, session, ct) is { } failed)
                        return (items.Take(runItems[failed.Index]).ToList(), ReplayTarget.Failed(items[runItems[failed.Index]].Operation, failed.Error));
                    run.Clear();
                    runItems.Clear();
                }
                if (operation is null) break;
                // Before the first write of a run (nothing gathered is unsent): a database the cluster does not know placed first.
                if (run.Count == 0) await _databases.EnsureAsync(Database(operation), ct);
                if (models is null)
                {
                    await ApplyDeltaAsync(operation, session, ct);
                    continue;
                }
                if (run.Count == 0) runNamespace = ns!;
                run.AddRange(models);
                runItems.AddRange(models.Select(_ => i));
            }
            catch (MongoException e)
            {
                var at = run.Count > 0 ? runItems[0] : i;
                return (items.Take(at).ToList(), ReplayTarget.Failed(items[at].Operation, e));
            }
            catch (FormatException e)
            {
                return (items.Take(run.Count > 0 ? runItems[0] : i).ToList(), UnreplayableEntry.Error(operation!, "an update in a form this version cannot read", e.Message));
            }
        }
        return (items, null);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A command's NamespaceNotFound changes nothing and the replay goes on (what it names is not there: a collMod or a
    /// rename of a collection dropped later), except a rename's whose source the cluster still holds: that is the rename
    /// refused, the documents left under the old name, and the replay stops there. A rename across databases first
    /// has its target database made as a replica set makes it (<see cref="MongosRenameTarget"/>); a create into a database
    /// the cluster does not know has it placed first, as a write's (<see cref="RestoreDatabases.EnsureAsync"/>).
    /// </remarks>
    public async Task<MongoBackupException?> ApplyCommandAsync(BsonDocument entry, CancellationToken ct)
    {
        var body = entry["o"].AsBsonDocument;
        var command = body.GetElement(0).Name;
        var database = command is "renameCollection" or "shardCollection" ? "admin" : Database(entry);
        try
        {
            if (command == "renameCollection") await Renames.PrepareAsync(body["renameCollection"].AsString, body["to"].AsString, ct);
            if (command == "create") await _databases.EnsureAsync(database, ct);
            await client.GetDatabase(database).RunCommandAsync<BsonDocument>(body, cancellationToken: ct);
            if (command == "dropDatabase") _databases.Forget(database);
            _writes.Keys.Follow(Database(entry), body);
            if (command == "shardCollection" && sharded is not null && entry.GetValue("o2", BsonNull.Value) is BsonDocument o2
                && o2.GetValue("source", BsonNull.Value) is BsonString source)
                await sharded(source.Value, body["shardCollection"].AsString, ct);
            return null;
        }
        catch (MongoCommandException e) when (e.Code == NamespaceNotFound && command == "renameCollection")
        {
            return await RenameStillThereAsync(entry, body, e, ct);
        }
        catch (MongoCommandException e) when (e.Code == CommandFailed && command == "renameCollection" && e.ErrorMessage.Contains("must be on same shard", StringComparison.Ordinal))
        {
            return new MongoBackupException(ErrorIds.OplogReplayFailed, ReplayTarget.Failed(entry, e).Message +
                $" Through a mongos, {body["renameCollection"].AsString} can be renamed into another database only when both databases " +
                "have the same primary shard: give them one (movePrimary) and restore again, or restore into a replica set.", e);
        }
        catch (MongoCommandException e) when (e.Code == NamespaceNotFound || (e.Code == NamespaceExists && command == "create") || IsKeyIndexThere(entry, e))
        {
            return null;
        }
        catch (MongoException e)
        {
            return ReplayTarget.Failed(entry, e);
        }
    }

    /// <summary>
    /// A rename answered NamespaceNotFound: nothing to do when its source is gone (dropped later in the source, or never
    /// held), a refusal naming it when the cluster still holds the source, whose documents stayed under the old name.
    /// </summary>
    private async Task<MongoBackupException?> RenameStillThereAsync(BsonDocument entry, BsonDocument body, MongoCommandException e, CancellationToken ct)
    {
        try
        {
            return await Renames.ExistsAsync(body["renameCollection"].AsString, ct) ? ReplayTarget.Failed(entry, e) : null;
        }
        catch (MongoException read)
        {
            return ReplayTarget.Failed(entry, read);
        }
    }

    /// <summary>
    /// A shard key's index built before a replayed shardCollection that the target has under another name
    /// (IndexOptionsConflict, 85): a target sharded on that key already (a collection sharded while the backup ran, sharded
    /// from the snapshot's metadata first) has its own, which serves the key as well.
    /// </summary>
    private static bool IsKeyIndexThere(BsonDocument entry, MongoCommandException e) =>
        e.Code == IndexOptionsConflict && entry.GetValue("o2", BsonNull.Value) is BsonDocument o2 && o2.GetValue("shardKeyIndex", false).ToBoolean();

    /// <summary>Sends a run of writes to one collection in order; the index in the run of the first refused, with the error, or null.</summary>
    private async Task<(int Index, MongoException Error)?> SendRunAsync(string ns, List<WriteModel<BsonDocument>> run, IClientSessionHandle? session, CancellationToken ct)
    {
        var options = new BulkWriteOptions { IsOrdered = true, BypassDocumentValidation = true };
        try
        {
            if (session is null) await CollectionOf(ns).BulkWriteAsync(run, options, ct);
            else await CollectionOf(ns).BulkWriteAsync(session, run, options, ct);
            return null;
        }
        catch (MongoBulkWriteException<BsonDocument> e) when (e.WriteErrors.Count > 0)
        {
            return (e.WriteErrors[0].Index, e);
        }
    }

    /// <summary>A "$v: 2" update: the document read through mongos, the delta applied to it, the result put back in its place.</summary>
    private async Task ApplyDeltaAsync(BsonDocument operation, IClientSessionHandle? session, CancellationToken ct)
    {
        var ns = operation["ns"].AsString;
        var collection = CollectionOf(ns);
        var filter = operation["o2"].AsBsonDocument;
        var current = await (session is null ? collection.Find(filter) : collection.Find(session, filter)).Limit(1).FirstOrDefaultAsync(ct);
        if (current is null) return;
        var diff = operation["o"].AsBsonDocument.GetValue("diff", BsonNull.Value) as BsonDocument
            ?? throw new FormatException("a '$v: 2' update without a 'diff' document");
        var writes = _writes.Replacing(ns, current, UpdateDiff.Apply(current, diff));
        var options = new BulkWriteOptions { IsOrdered = true, BypassDocumentValidation = true };
        if (session is null) await collection.BulkWriteAsync(writes, options, ct);
        else await collection.BulkWriteAsync(session, writes, options, ct);
    }

    private IMongoCollection<BsonDocument> CollectionOf(string ns) =>
        client.GetDatabase(ns[..ns.IndexOf('.')]).GetCollection<BsonDocument>(ns[(ns.IndexOf('.') + 1)..]);

    private static string Database(BsonDocument entry)
    {
        var ns = entry["ns"].AsString;
        return ns[..ns.IndexOf('.')];
    }
}
