using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Decides what of an oplog entry a replay applies, and under which names: entries on namespaces the restore
/// leaves out are skipped, renamed namespaces are mapped (in ns, and inside commands and transactions), and
/// what cannot be applied elsewhere is dropped, as mongorestore does: no-ops, the server's own databases, the
/// collection UUIDs of the source (the target's collections have their own).
/// </summary>
/// <param name="failed">
/// Source namespaces ("db.collection") the restore failed (damaged, refused): their entries are skipped too, since
/// applying them would write part of a namespace that was reported not restored, or write into whatever the target
/// holds under that name. A database holding one is not dropped whole.
/// </param>
public sealed class OplogEntryRewriter(NamespaceFilter filter, NamespaceMap map, IReadOnlySet<string>? failed = null)
{
    // Collection-level commands whose first field names the collection they act on.
    private static readonly HashSet<string> CollectionCommands =
        ["create", "drop", "createIndexes", "dropIndexes", "collMod", "deleteIndexes", "commitIndexBuild", "emptycapped"];

    // Two-phase index builds: the commit carries the specs; start and abort change nothing a restore can see.
    private static readonly HashSet<string> IgnoredCommands = ["startIndexBuild", "abortIndexBuild"];

    /// <summary>The entry to apply, or null to skip it.</summary>
    public BsonDocument? Rewrite(BsonDocument entry)
    {
        var op = entry.GetValue("op", "").AsString;
        var ns = entry.GetValue("ns", "").AsString;
        if (op is "n" or "") return null;
        var (db, coll) = Split(ns);
        if (db is "local" or "config") return null;
        if (db == "admin" && coll.StartsWith("system.", StringComparison.Ordinal)) return null;

        return op == "c" ? RewriteCommand(entry, db) : RewriteCrud(entry, db, coll);
    }

    private BsonDocument? RewriteCrud(BsonDocument entry, string db, string coll)
    {
        var (timeseriesView, isBuckets) = coll.StartsWith("system.buckets.", StringComparison.Ordinal)
            ? (coll["system.buckets.".Length..], true) : (coll, false);
        if (!Takes(db, timeseriesView)) return null;
        var (targetDb, targetColl) = map.Map(db, timeseriesView);
        var copy = Strip(entry);
        copy["ns"] = targetDb + "." + (isBuckets ? "system.buckets." + targetColl : targetColl);
        return copy;
    }

    private BsonDocument? RewriteCommand(BsonDocument entry, string db)
    {
        var o = entry["o"].AsBsonDocument;
        var command = o.GetElement(0).Name;
        if (IgnoredCommands.Contains(command)) return null;

        if (command == "applyOps")
        {
            var inner = o["applyOps"].AsBsonArray
                .Select(e => Rewrite(e.AsBsonDocument))
                .OfType<BsonDocument>()
                .ToList();
            if (inner.Count == 0) return null;
            var copy = Strip(entry);
            copy["o"] = new BsonDocument(o.Where(e => e.Name != "applyOps")) { { "applyOps", new BsonArray(inner) } };
            copy["o"].AsBsonDocument.Remove("prepare");
            return copy;
        }
        if (command == "dropDatabase")
        {
            // Dropping a whole database is only safe when the restore takes the database whole.
            if (!filter.IncludesDatabase(db) || filter.Collections.Count > 0 || filter.NamespaceInclude.Count > 0) return null;
            if (failed?.Any(ns => ns.StartsWith(db + ".", StringComparison.Ordinal)) == true) return null;
            var (targetDb, _) = map.Map(db, "x");
            return WithNamespace(Strip(entry), targetDb + ".$cmd", o);
        }
        if (command == "renameCollection")
        {
            var (fromDb, fromColl) = Split(o["renameCollection"].AsString);
            var (toDb, toColl) = Split(o["to"].AsString);
            if (!filter.Includes(fromDb, fromColl) && !filter.Includes(toDb, toColl)) return null;
            if (Failed(fromDb, fromColl) || Failed(toDb, toColl)) return null;
            var copy = Strip(entry);
            var body = o.DeepClone().AsBsonDocument;
            body["renameCollection"] = map.Map(o["renameCollection"].AsString);
            body["to"] = map.Map(o["to"].AsString);
            body.Remove("uuid");
            // The source names the dropped target by its UUID, which the restored target does not have.
            body["dropTarget"] = o.TryGetValue("dropTarget", out var dropTarget) && (dropTarget.IsBsonBinaryData || dropTarget.ToBoolean());
            copy["o"] = body;
            var (mappedFromDb, _) = Split(body["renameCollection"].AsString);
            copy["ns"] = mappedFromDb + ".$cmd";
            return copy;
        }
        if (CollectionCommands.Contains(command))
        {
            var coll = o[command].AsString;
            if (!Takes(db, coll)) return null;
            var (targetDb, targetColl) = map.Map(db, coll);
            var body = o.DeepClone().AsBsonDocument;
            body[command] = targetColl;
            return WithNamespace(Strip(entry), targetDb + ".$cmd", body);
        }
        // Anything else (new commands of newer servers) is not guessed at: the replay reports it.
        throw new MongoBackupException(ErrorIds.OplogReplayFailed,
            $"The oplog holds a '{command}' command (at {entry.GetValue("ts", BsonNull.Value)}) that this version cannot replay.");
    }

    private bool Takes(string db, string coll) => filter.Includes(db, coll) && !Failed(db, coll);

    private bool Failed(string db, string coll) => failed?.Contains(db + "." + coll) == true;

    private static BsonDocument WithNamespace(BsonDocument entry, string ns, BsonDocument o)
    {
        entry["ns"] = ns;
        entry["o"] = o;
        return entry;
    }

    /// <summary>A copy without the source's collection UUID and session fields, which mean nothing on the target.</summary>
    private static BsonDocument Strip(BsonDocument entry)
    {
        var copy = entry.DeepClone().AsBsonDocument;
        foreach (var field in new[] { "ui", "lsid", "txnNumber", "stmtId", "prevOpTime", "fromMigrate", "_id", "h" })
            copy.Remove(field);
        return copy;
    }

    private static (string Database, string Collection) Split(string ns)
    {
        var dot = ns.IndexOf('.');
        return dot < 0 ? (ns, "") : (ns[..dot], ns[(dot + 1)..]);
    }
}
