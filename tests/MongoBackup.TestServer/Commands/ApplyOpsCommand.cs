using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// applyOps: replays oplog entries as a restore tool sends them. i upserts by _id; u applies a $v:2 diff, a legacy
/// modifier document or a replacement to the document o2 selects; d deletes by _id; c runs the catalog command
/// (create, drop, createIndexes, dropIndexes, dropDatabase, renameCollection, collMod, index builds, nested applyOps);
/// n is ignored. Every applied entry writes its own oplog entries, as MongoDB does; an applied $v:2 update logs the
/// diff it was given rather than a recomputed one. An entry's "o" may arrive as raw bytes (see ApplyOpsBodyReader):
/// an insert stores them as they are, other operations parse them.
/// </summary>
internal sealed class ApplyOpsCommand : ICommandGroup
{
    public void Register(CommandTable table) => table.Add("applyOps", ApplyOps);

    private static BsonDocument ApplyOps(CommandContext context)
    {
        if (context.CommandValue is not BsonArray entries) throw CommandFailure.FailedToParse("applyOps needs an array of oplog entries");
        var writes = context.Writes;
        var results = new BsonArray();
        foreach (var entry in entries)
        {
            if (entry is not BsonDocument document) throw CommandFailure.FailedToParse("each applyOps entry must be a document");
            Apply(context, document, writes);
            results.Add(true);
        }
        return new BsonDocument { { "applied", results.Count }, { "results", results } };
    }

    public static void Apply(CommandContext context, BsonDocument entry, WriteContext writes)
    {
        var op = entry.GetValue("op", BsonNull.Value);
        if (!op.IsString) throw CommandFailure.FailedToParse($"oplog entry has no string 'op': {entry.ToJson()}");
        var ns = entry.GetValue("ns", "").AsString;
        switch (op.AsString)
        {
            case "n":
                return;
            case "i":
                Insert(context, ns, entry["o"].AsBsonDocument, writes);
                return;
            case "u":
                Update(context, ns, Parsed(entry["o"]), entry.GetValue("o2", BsonNull.Value) as BsonDocument, writes);
                return;
            case "d":
                Delete(context, ns, Parsed(entry["o"]), writes);
                return;
            case "c":
                RunCommand(context, ns, Parsed(entry["o"]), writes);
                return;
            default:
                throw CommandFailure.FailedToParse($"unsupported oplog entry op '{op.AsString}' in applyOps");
        }
    }

    /// <summary>An entry's "o" as an ordinary document: the operators that read and rewrite it expect one.</summary>
    private static BsonDocument Parsed(BsonValue o) => o is StoredBsonDocument raw ? Collection.Parse(raw.Bytes) : o.AsBsonDocument;

    private static void Insert(CommandContext context, string ns, BsonDocument document, WriteContext writes)
    {
        var (db, name) = Catalog.SplitNamespace(ns);
        var collection = context.Server.CatalogWriter.GetOrCreate(db, name, writes);
        if (document.TryGetValue("_id", out var id) && collection.FindById(id) is { } recordId)
        {
            var before = Collection.Parse(collection.Records.Get(recordId));
            context.Server.DocumentWriter.Update(collection, recordId, before, DocumentWriter.WithIdFirst(document), true, writes);
            return;
        }
        context.Server.DocumentWriter.Insert(collection, document, writes);
    }

    private static void Update(CommandContext context, string ns, BsonDocument o, BsonDocument? o2, WriteContext writes)
    {
        if (o2 == null) throw CommandFailure.FailedToParse($"update entry on {ns} has no o2 selecting the document");
        var (db, name) = Catalog.SplitNamespace(ns);
        var collection = context.Server.CatalogWriter.GetOrCreate(db, name, writes);
        var isReplacement = !o.Names.Any(n => n.StartsWith('$')) && !o.Contains("diff");
        var match = MatchingDocuments.Select(collection, o2, null, 1).Cast<(long, BsonDocument)?>().FirstOrDefault();
        if (match == null)
        {
            // MongoDB applies oplog updates as upserts: the selector seeds the document.
            var seeded = isReplacement ? o : OplogDiff.Apply(new BsonDocument(o2), o);
            if (!seeded.Contains("_id") && o2.TryGetValue("_id", out var id)) seeded = new BsonDocument("_id", id).AddRange(seeded);
            context.Server.DocumentWriter.Insert(collection, seeded, writes);
            return;
        }
        var (recordId, before) = match.Value;
        var after = OplogDiff.Apply(before, o);
        if (!after.Contains("_id")) after = new BsonDocument("_id", before["_id"]).AddRange(after);
        var afterBytes = BsonBytes.Of(after);
        if (afterBytes.Span.SequenceEqual(collection.Records.Get(recordId).Span)) return;
        // MongoDB logs an applied $v:2 update with the diff it was given; legacy modifier entries are logged as a diff.
        var diff = isReplacement ? null : IsDeltaUpdate(o) ? o : OplogDiff.Compute(before, after);
        context.Server.DocumentWriter.Replace(collection, recordId, before, after, afterBytes, diff, writes);
    }

    private static bool IsDeltaUpdate(BsonDocument o) => o.TryGetValue("$v", out var version) && version.IsNumeric && version.ToInt32() == 2;

    private static void Delete(CommandContext context, string ns, BsonDocument o, WriteContext writes)
    {
        var collection = context.Server.Catalog.Find(ns);
        if (collection == null) return;
        foreach (var (recordId, document) in MatchingDocuments.Select(collection, o, null, 1))
            context.Server.DocumentWriter.Delete(collection, recordId, document, writes);
    }

    private static void RunCommand(CommandContext context, string ns, BsonDocument o, WriteContext writes)
    {
        var (db, _) = Catalog.SplitNamespace(ns);
        var catalog = context.Server.Catalog;
        var catalogWriter = context.Server.CatalogWriter;
        var command = o.GetElement(0);
        switch (command.Name)
        {
            case "create":
            {
                var options = new BsonDocument(o.Skip(1).Where(e => e.Name != "idIndex"));
                if (catalog.Find(db, command.Value.AsString) == null) catalogWriter.Create(db, command.Value.AsString, options, writes);
                return;
            }
            case "drop":
                if (catalog.Find(db, command.Value.AsString) is { } dropped) catalogWriter.Drop(dropped, writes);
                return;
            case "createIndexes":
            {
                var collection = catalogWriter.GetOrCreate(db, command.Value.AsString, writes);
                catalogWriter.CreateIndex(collection, new BsonDocument(o.Skip(1)), writes);
                return;
            }
            case "startIndexBuild" or "commitIndexBuild":
            {
                var collection = catalogWriter.GetOrCreate(db, command.Value.AsString, writes);
                foreach (var spec in o["indexes"].AsBsonArray)
                    if (collection.FindIndex(spec["name"].AsString) == null) catalogWriter.CreateIndex(collection, spec.AsBsonDocument, writes);
                return;
            }
            case "abortIndexBuild":
            {
                if (catalog.Find(db, command.Value.AsString) is not { } collection) return;
                foreach (var spec in o["indexes"].AsBsonArray)
                    if (collection.FindIndex(spec["name"].AsString) is { } index) catalogWriter.DropIndex(collection, index, writes);
                return;
            }
            case "dropIndexes" or "deleteIndexes":
            {
                if (catalog.Find(db, command.Value.AsString) is not { } collection) return;
                var names = o["index"] is BsonArray many ? many.Select(v => v.AsString) : new[] { o["index"].AsString };
                foreach (var name in names)
                    if (name == "*")
                        foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex).ToList()) catalogWriter.DropIndex(collection, index, writes);
                    else if (collection.FindIndex(name) is { } index) catalogWriter.DropIndex(collection, index, writes);
                return;
            }
            case "dropDatabase":
                if (catalog.DatabaseExists(db)) catalogWriter.DropDatabase(db, writes);
                return;
            case "renameCollection":
            {
                var source = catalog.Find(command.Value.AsString)
                    ?? throw CommandFailure.NamespaceNotFound($"source namespace {command.Value.AsString} does not exist");
                var (toDb, toName) = Catalog.SplitNamespace(o["to"].AsString);
                var dropTarget = o.GetValue("dropTarget", false);
                catalogWriter.Rename(source, toDb, toName, dropTarget.IsBoolean ? dropTarget.AsBoolean : !dropTarget.IsBsonNull, writes);
                return;
            }
            case "collMod":
            {
                var body = new BsonDocument(o) { { "$db", db } };
                CatalogCommands.CollMod(new CommandContext(context.Server, context.Connection, body, db));
                return;
            }
            case "applyOps":
                foreach (var inner in command.Value.AsBsonArray) Apply(context, inner.AsBsonDocument, writes);
                return;
            default:
                throw CommandFailure.FailedToParse($"applyOps does not support the command '{command.Name}' in {ns}");
        }
    }
}
