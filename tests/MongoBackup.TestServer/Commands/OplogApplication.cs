using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Applies one oplog entry of an applyOps command (repl/apply_ops.cpp and applyOperation_inlock in repl/oplog.cpp).
/// i inserts, or replaces the document with the same _id (applyOps turns an insert on an existing _id into an upsert);
/// u applies a $v:2 diff, a legacy modifier document or a replacement to the document o2 selects; d deletes by _id;
/// c runs the catalog command (<see cref="OplogCommandApplier"/>). An insert or update on a collection that does not exist
/// fails with NamespaceNotFound (a delete there succeeds); an entry whose ui names no collection, or another one than its
/// ns, fails (returns false). Documents are checked against the collection's validator unless the command says
/// bypassDocumentValidation. Every applied entry writes its own oplog entries; an applied $v:2 update logs the diff it was
/// given. An entry's "o" may arrive as raw bytes (see ApplyOpsBodyReader): an insert stores them as they are.
/// </summary>
internal sealed class OplogApplication
{
    private readonly CommandContext _context;
    private readonly WriteContext _writes;
    private readonly OplogCommandApplier _commands;

    public OplogApplication(CommandContext context, OplogApplicationMode mode, WriteContext writes)
    {
        _context = context;
        _writes = writes;
        _commands = new OplogCommandApplier(context, mode, writes, this);
    }

    /// <summary>Applies the entry; false when it failed without stopping the command.</summary>
    public bool Apply(BsonDocument entry)
    {
        var op = entry.GetValue("op", BsonNull.Value);
        if (!op.IsString) throw CommandFailure.FailedToParse($"oplog entry has no string 'op': {entry.ToJson()}");
        var ns = entry.GetValue("ns", "").AsString;
        if (op.AsString == "n") return true;
        if (op.AsString == "c")
        {
            _commands.Apply(ns, Parsed(entry["o"]));
            return true;
        }
        if (op.AsString is not ("i" or "u" or "d")) throw CommandFailure.FailedToParse($"unsupported oplog entry op '{op.AsString}' in applyOps");
        if (!ns.Contains('.') || ns.EndsWith('.')) throw CommandFailure.InvalidNamespace($"invalid ns: {ns}");
        // mongod applies such an entry and also writes the image it produced to config.image_collection under the entry's
        // lsid (repl/oplog.cpp, applyOperation_inlock, writeToImageCollection); this server does not, so it refuses the
        // field rather than apply the write without its image. A restore strips it, with the session fields.
        if (entry.Contains("needsRetryImage"))
            throw new CommandFailure(59, "CommandNotFound",
                $"applyOps of an entry with needsRetryImage (a retryable findAndModify's) is not served by this server: {Describe(entry)}");
        var collection = _context.Server.Catalog.Find(ns);
        if (entry.TryGetValue("ui", out var ui) && !NamesThisCollection(ui, collection)) return false;
        if (collection == null)
        {
            if (op.AsString == "d") return true; // for idempotency
            throw CommandFailure.NamespaceNotFound($"cannot apply insert or update operation on a non-existent namespace {ns}: {Describe(entry)}");
        }
        if (collection.Kind == CollectionKind.View)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"applyOps not supported on view: {ns}");
        switch (op.AsString)
        {
            case "i": Insert(collection, entry["o"].AsBsonDocument); break;
            case "u": Update(collection, Parsed(entry["o"]), entry.GetValue("o2", BsonNull.Value) as BsonDocument); break;
            default: Delete(collection, Parsed(entry["o"])); break;
        }
        return true;
    }

    private static bool NamesThisCollection(BsonValue ui, Collection? collection) =>
        ui is BsonBinaryData { SubType: BsonBinarySubType.UuidStandard } binary && collection?.Uuid == binary.ToGuid();

    /// <summary>The entry as JSON for an error message ("o" may be raw bytes, which do not render as a document).</summary>
    private static string Describe(BsonDocument entry)
    {
        var copy = new BsonDocument(entry);
        if (copy.TryGetValue("o", out var o)) copy["o"] = Parsed(o);
        return copy.ToJson();
    }

    /// <summary>An entry's "o" as an ordinary document: the operators that read and rewrite it expect one.</summary>
    public static BsonDocument Parsed(BsonValue o) => o is StoredBsonDocument raw ? Collection.Parse(raw.Bytes) : o.AsBsonDocument;

    private void Insert(Collection collection, BsonDocument document)
    {
        if (!document.Contains("_id")) throw new CommandFailure(4, "NoSuchKey", $"Failed to apply insert due to missing _id: {Parsed(document).ToJson()}");
        if (collection.FindById(document["_id"]) is { } recordId)
        {
            var before = Collection.Parse(collection.Records.Get(recordId));
            var after = DocumentWriter.WithIdFirst(document);
            DocumentValidation.Check(collection, after, before, _context.Body);
            _context.Server.DocumentWriter.Update(collection, recordId, before, after, true, _writes);
            return;
        }
        DocumentValidation.Check(collection, document, null, _context.Body);
        _context.Server.DocumentWriter.Insert(collection, document, _writes);
    }

    private void Update(Collection collection, BsonDocument o, BsonDocument? o2)
    {
        if (o2 == null) throw CommandFailure.FailedToParse($"update entry on {collection.Namespace} has no o2 selecting the document");
        var isReplacement = !o.Names.Any(n => n.StartsWith('$')) && !o.Contains("diff");
        // By _id alone: o2 may hold a sharded collection's shard key fields too, which MongoDB leaves out of the
        // selection (repl/oplog.cpp applyOperation_inlock: "we want to do the update by just _id").
        var id = o2.GetValue("_id", null) ?? throw new CommandFailure(4, "NoSuchKey", $"Failed to apply update due to missing _id: {o2.ToJson()}");
        var selector = new BsonDocument("_id", id);
        var match = MatchingDocuments.Select(collection, selector, 1).Cast<(long, BsonDocument)?>().FirstOrDefault();
        if (match == null)
        {
            // MongoDB applies oplog updates as upserts: the selector seeds the document.
            var seeded = isReplacement ? o : OplogDiff.Apply(selector, o);
            if (!seeded.Contains("_id")) seeded = new BsonDocument("_id", id).AddRange(seeded);
            DocumentValidation.Check(collection, seeded, null, _context.Body);
            _context.Server.DocumentWriter.Insert(collection, seeded, _writes);
            return;
        }
        var (recordId, before) = match.Value;
        var after = OplogDiff.Apply(before, o);
        if (!after.Contains("_id")) after = new BsonDocument("_id", before["_id"]).AddRange(after);
        var afterBytes = BsonBytes.Of(after);
        if (afterBytes.Span.SequenceEqual(collection.Records.Get(recordId).Span)) return;
        DocumentValidation.Check(collection, after, before, _context.Body);
        // MongoDB logs an applied $v:2 update with the diff it was given; legacy modifier entries are logged as a diff.
        var diff = isReplacement ? null : IsDeltaUpdate(o) ? o : OplogDiff.Compute(before, after);
        _context.Server.DocumentWriter.Replace(collection, recordId, before, after, afterBytes, diff, _writes);
    }

    private static bool IsDeltaUpdate(BsonDocument o) => o.TryGetValue("$v", out var version) && version.IsNumeric && version.ToInt32() == 2;

    private void Delete(Collection collection, BsonDocument o)
    {
        // By _id alone, as for updates (the o of a sharded collection's delete holds its shard key fields too).
        var id = o.GetValue("_id", null) ?? throw new CommandFailure(4, "NoSuchKey", $"Failed to apply delete due to missing _id: {o.ToJson()}");
        foreach (var (recordId, document) in MatchingDocuments.Select(collection, new BsonDocument("_id", id), 1))
            _context.Server.DocumentWriter.Delete(collection, recordId, document, _writes);
    }
}
