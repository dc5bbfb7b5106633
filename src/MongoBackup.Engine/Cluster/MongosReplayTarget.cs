using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A replay into a sharded cluster, through its mongos: mongos has no applyOps (no such command since 3.4; "applyOps not
/// allowed through mongos" before), so each rewritten operation becomes the ordinary write that has its effect, routed by
/// mongos to the shard owning the document. Every write is idempotent, as applyOps makes a replay's: an insert is an
/// upsert replacing by the document's key (_id and the shard key's fields, which mongos needs to route an upsert); a
/// delete removes the one document its key names; an update reads the document and replaces it with the entry applied to
/// it ("$v: 2" deltas, <see cref="UpdateDiff"/>), or, for the $set/$unset form of MongoDB before 5.0 and a full
/// replacement, is sent as it is. An update of a document the target does not have changes nothing: a hot backup copied
/// it after its delete, which comes later in the oplog. Commands run through mongos as their own commands; a
/// shardCollection the replay found in the oplog (<see cref="ShardingEvents"/>) on admin, after which that collection's
/// writes carry its new key, as a drop's take it off.
/// A transaction's operations are applied one after the other, not atomically: nothing reads the target meanwhile.
/// </summary>
/// <param name="client">The mongos.</param>
/// <param name="shardKeys">The shard key fields of each sharded target namespace (after renames) when the replay begins.</param>
/// <param name="sharded">
/// Called after a replayed shardCollection with the source namespace (the entry's o2.source) and the target's, to
/// recreate what else the source's sharding holds (its zone ranges); may be null.
/// </param>
public sealed class MongosReplayTarget(IMongoClient client, IReadOnlyDictionary<string, IReadOnlyList<string>> shardKeys,
    Func<string, string, CancellationToken, Task>? sharded = null) : IReplayTarget
{
    private const int NamespaceNotFound = 26, NamespaceExists = 48;
    private readonly Dictionary<string, IReadOnlyList<string>> _shardKeys = new(shardKeys, StringComparer.Ordinal);

    /// <inheritdoc />
    /// <remarks>
    /// Consecutive writes to one collection that need nothing read go as one ordered bulk write (one command per kind, as
    /// the driver splits it); a "$v: 2" update sends what is gathered first, then reads its document.
    /// </remarks>
    public async Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(IReadOnlyList<ApplyOpsBatch.Item> items, CancellationToken ct)
    {
        var run = new List<WriteModel<BsonDocument>>();
        var (runStart, runNamespace) = (0, "");
        for (var i = 0; i <= items.Count; i++)
        {
            var operation = i < items.Count ? items[i].Operation : null;
            try
            {
                var model = operation is null ? null : WriteOf(operation);
                var ns = operation?["ns"].AsString;
                if (run.Count > 0 && (model is null || ns != runNamespace))
                {
                    if (await SendRunAsync(runNamespace, run, ct) is { } failed)
                        return (items.Take(runStart + failed.Index).ToList(), ReplayTarget.Failed(items[runStart + failed.Index].Operation, failed.Error));
                    run.Clear();
                }
                if (operation is null) break;
                if (model is null)
                {
                    await ApplyDeltaAsync(operation, ct);
                    continue;
                }
                if (run.Count == 0) (runStart, runNamespace) = (i, ns!);
                run.Add(model);
            }
            catch (MongoException e)
            {
                var at = run.Count > 0 ? runStart : i;
                return (items.Take(at).ToList(), ReplayTarget.Failed(items[at].Operation, e));
            }
            catch (FormatException e)
            {
                return (items.Take(run.Count > 0 ? runStart : i).ToList(), UnreplayableEntry.Error(operation!, "an update in a form this version cannot read", e.Message));
            }
        }
        return (items, null);
    }

    /// <inheritdoc />
    public async Task<MongoBackupException?> ApplyCommandAsync(BsonDocument entry, CancellationToken ct)
    {
        var body = entry["o"].AsBsonDocument;
        var command = body.GetElement(0).Name;
        var database = command is "renameCollection" or "shardCollection" ? "admin" : Database(entry);
        try
        {
            await client.GetDatabase(database).RunCommandAsync<BsonDocument>(body, cancellationToken: ct);
            await FollowAsync(entry, command, body, ct);
            return null;
        }
        catch (MongoCommandException e) when (e.Code == NamespaceNotFound || (e.Code == NamespaceExists && command == "create"))
        {
            return null;
        }
        catch (MongoException e)
        {
            return ReplayTarget.Failed(entry, e);
        }
    }

    /// <summary>Keeps the shard keys the writes route by as the commands change them (a drop of a collection or a database takes them off).</summary>
    private async Task FollowAsync(BsonDocument entry, string command, BsonDocument body, CancellationToken ct)
    {
        var database = Database(entry);
        switch (command)
        {
            case "shardCollection":
                var target = body["shardCollection"].AsString;
                _shardKeys[target] = body["key"].AsBsonDocument.Names.ToList();
                if (sharded is not null && entry.GetValue("o2", BsonNull.Value) is BsonDocument { } o2 && o2.GetValue("source", BsonNull.Value) is BsonString source)
                    await sharded(source.Value, target, ct);
                break;
            case "drop":
                _shardKeys.Remove(database + "." + body["drop"].AsString);
                break;
            case "dropDatabase":
                foreach (var ns in _shardKeys.Keys.Where(n => n.StartsWith(database + ".", StringComparison.Ordinal)).ToList()) _shardKeys.Remove(ns);
                break;
        }
    }

    /// <summary>The write an operation is, when it needs nothing read first; null for a "$v: 2" update.</summary>
    private WriteModel<BsonDocument>? WriteOf(BsonDocument operation)
    {
        var ns = operation["ns"].AsString;
        var o = operation["o"].AsBsonDocument;
        switch (operation["op"].AsString)
        {
            case "i":
                return new ReplaceOneModel<BsonDocument>(KeyOf(ns, o), o) { IsUpsert = true };
            case "d":
                return new DeleteOneModel<BsonDocument>(o);
        }
        var documentKey = operation["o2"].AsBsonDocument;
        if (o.GetValue("$v", BsonNull.Value) is { IsNumeric: true } v && v.ToInt32() == 2) return null;
        if (o.Names.Any(n => n.StartsWith('$'))) return new UpdateOneModel<BsonDocument>(documentKey, new BsonDocument(o.Where(e => e.Name != "$v")));
        var replacement = o.Contains("_id") ? o : new BsonDocument(documentKey.GetElement("_id")).AddRange(o);
        return new ReplaceOneModel<BsonDocument>(KeyOf(ns, replacement), replacement) { IsUpsert = true };
    }

    /// <summary>Sends a run of writes to one collection in order; the index in the run of the first refused, with the error, or null.</summary>
    private async Task<(int Index, MongoException Error)?> SendRunAsync(string ns, List<WriteModel<BsonDocument>> run, CancellationToken ct)
    {
        try
        {
            await CollectionOf(ns).BulkWriteAsync(run, new BulkWriteOptions { IsOrdered = true, BypassDocumentValidation = true }, ct);
            return null;
        }
        catch (MongoBulkWriteException<BsonDocument> e) when (e.WriteErrors.Count > 0)
        {
            return (e.WriteErrors[0].Index, e);
        }
    }

    /// <summary>A "$v: 2" update: the document read through mongos, the delta applied to it, the result put back in its place.</summary>
    private async Task ApplyDeltaAsync(BsonDocument operation, CancellationToken ct)
    {
        var ns = operation["ns"].AsString;
        var collection = CollectionOf(ns);
        var current = await collection.Find(operation["o2"].AsBsonDocument).Limit(1).FirstOrDefaultAsync(ct);
        if (current is null) return;
        var diff = operation["o"].AsBsonDocument.GetValue("diff", BsonNull.Value) as BsonDocument
            ?? throw new FormatException("a '$v: 2' update without a 'diff' document");
        await collection.ReplaceOneAsync(KeyOf(ns, current), UpdateDiff.Apply(current, diff),
            new ReplaceOptions { IsUpsert = false, BypassDocumentValidation = true }, ct);
    }

    private IMongoCollection<BsonDocument> CollectionOf(string ns) =>
        client.GetDatabase(ns[..ns.IndexOf('.')]).GetCollection<BsonDocument>(ns[(ns.IndexOf('.') + 1)..]);

    /// <summary>The document's key: its _id and the values of its collection's shard key fields (null where it has none).</summary>
    private BsonDocument KeyOf(string ns, BsonDocument document)
    {
        var key = new BsonDocument("_id", document["_id"]);
        if (!_shardKeys.TryGetValue(ns, out var fields)) return key;
        foreach (var field in fields.Where(f => f != "_id")) key[field] = ValueAt(document, field);
        return key;
    }

    private static BsonValue ValueAt(BsonDocument document, string path)
    {
        BsonValue current = document;
        foreach (var part in path.Split('.'))
        {
            if (current is not BsonDocument d || !d.TryGetValue(part, out current!)) return BsonNull.Value;
        }
        return current;
    }

    private static string Database(BsonDocument entry)
    {
        var ns = entry["ns"].AsString;
        return ns[..ns.IndexOf('.')];
    }
}
