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
/// it after its delete, which comes later in the oplog. Commands run through mongos as their own commands.
/// A transaction's operations are applied one after the other, not atomically: nothing reads the target meanwhile.
/// </summary>
/// <param name="shardKeys">The shard key fields of each sharded target namespace (after renames).</param>
public sealed class MongosReplayTarget(IMongoClient client, IReadOnlyDictionary<string, IReadOnlyList<string>> shardKeys) : IReplayTarget
{
    private const int NamespaceNotFound = 26, NamespaceExists = 48;

    /// <inheritdoc />
    public async Task<(IReadOnlyList<ApplyOpsBatch.Item> Applied, MongoBackupException? Error)> ApplyAsync(IReadOnlyList<ApplyOpsBatch.Item> items, CancellationToken ct)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var operation = items[i].Operation;
            try
            {
                await ApplyOneAsync(operation, ct);
            }
            catch (MongoException e)
            {
                return (items.Take(i).ToList(), ReplayTarget.Failed(operation, e));
            }
            catch (FormatException e)
            {
                return (items.Take(i).ToList(), UnreplayableEntry.Error(operation, "an update in a form this version cannot read", e.Message));
            }
        }
        return (items, null);
    }

    /// <inheritdoc />
    public async Task<MongoBackupException?> ApplyCommandAsync(BsonDocument entry, CancellationToken ct)
    {
        var body = entry["o"].AsBsonDocument;
        var command = body.GetElement(0).Name;
        var database = command == "renameCollection" ? "admin" : Database(entry);
        try
        {
            await client.GetDatabase(database).RunCommandAsync<BsonDocument>(body, cancellationToken: ct);
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

    private async Task ApplyOneAsync(BsonDocument operation, CancellationToken ct)
    {
        var ns = operation["ns"].AsString;
        var collection = client.GetDatabase(Database(operation)).GetCollection<BsonDocument>(ns[(ns.IndexOf('.') + 1)..]);
        var o = operation["o"].AsBsonDocument;
        switch (operation["op"].AsString)
        {
            case "i":
                await ReplaceAsync(collection, KeyOf(ns, o), o, upsert: true, ct);
                break;
            case "d":
                await collection.DeleteOneAsync(o, ct);
                break;
            case "u":
                var documentKey = operation["o2"].AsBsonDocument;
                if (o.GetValue("$v", BsonNull.Value) is { IsNumeric: true } v && v.ToInt32() == 2)
                {
                    var current = await collection.Find(documentKey).Limit(1).FirstOrDefaultAsync(ct);
                    if (current is null) return;
                    var diff = o.GetValue("diff", BsonNull.Value) as BsonDocument ?? throw new FormatException("a '$v: 2' update without a 'diff' document");
                    await ReplaceAsync(collection, KeyOf(ns, current), UpdateDiff.Apply(current, diff), upsert: false, ct);
                }
                else if (o.Names.Any(n => n.StartsWith('$')))
                {
                    await collection.UpdateOneAsync(documentKey, new BsonDocument(o.Where(e => e.Name != "$v")),
                        new UpdateOptions { BypassDocumentValidation = true }, ct);
                }
                else
                {
                    var replacement = o.Contains("_id") ? o : new BsonDocument(documentKey.GetElement("_id")).AddRange(o);
                    await ReplaceAsync(collection, KeyOf(ns, replacement), replacement, upsert: true, ct);
                }
                break;
        }
    }

    private static Task ReplaceAsync(IMongoCollection<BsonDocument> collection, BsonDocument key, BsonDocument document, bool upsert, CancellationToken ct) =>
        collection.ReplaceOneAsync(key, document, new ReplaceOptions { IsUpsert = upsert, BypassDocumentValidation = true }, ct);

    /// <summary>The document's key: its _id and the values of its collection's shard key fields (null where it has none).</summary>
    private BsonDocument KeyOf(string ns, BsonDocument document)
    {
        var key = new BsonDocument("_id", document["_id"]);
        if (!shardKeys.TryGetValue(ns, out var fields)) return key;
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
