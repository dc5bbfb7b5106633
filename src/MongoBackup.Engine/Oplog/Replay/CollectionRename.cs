using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// renameCollection ({renameCollection: "db.from", to: "db2.to", dropTarget, stayTemp}, logged on the source's
/// database) under what the restore covers:
/// <list type="bullet">
/// <item>both names covered: renamed on the target under the mapped names (dropTarget as a flag: the source names the
/// replaced collection by its UUID, which the target does not have);</item>
/// <item>renamed out of what the restore covers: the restored collection is dropped, since at the moment restored it
/// no longer exists under a name the restore brings back, and nothing is written under the outside name;</item>
/// <item>renamed in from outside: the collection would hold only the writes after the rename, never its earlier
/// documents, so that namespace fails, naming where it came from, and nothing more is written to it. Unless the
/// restore already holds it and the rename replaced nothing: then the dump read it after the rename, whole (a
/// snapshot's oplog may begin before its reads, at the oldest transaction then open, as mongodump's does).</item>
/// </list>
/// A rename onto a namespace that failed (its target holds what the restore must not touch) drops the renamed
/// collection and leaves the failed one as it is. A rename of a collection the restore does not hold changes nothing
/// on the target.
/// (MongoDB 4.2+ logs a rename across databases as a copy into a temporary collection of the target database, a
/// rename within it and a drop of the source; each of those entries falls under the same rules.)
/// </summary>
public sealed class CollectionRename(ReplayCoverage coverage, NamespaceMap map, ReplayState state)
{
    /// <summary>What a renameCollection entry (its body <paramref name="o"/>) becomes on the target.</summary>
    public Rewritten Rewrite(BsonDocument entry, BsonDocument o)
    {
        if (o["renameCollection"] is not BsonString { Value: var from } || o.GetValue("to", BsonNull.Value) is not BsonString { Value: var to })
            throw UnreplayableEntry.Error(entry, "a renameCollection without its two names", "the oplog file is not one MongoDB wrote");
        var fromCovered = Covered(from);
        var toCovered = Covered(to);
        if (!fromCovered && !toCovered) return Rewritten.Nothing;
        if (fromCovered && state.HasFailed(from))
        {
            if (toCovered) state.Fail(to, state.Failed[from]); // it carries its missing documents along
            state.Indexes.DropCollection(to);
            return Rewritten.Nothing;
        }
        // A collection the restore does not hold (gone before the backup listed the catalog): nothing of the restore's
        // moves, and a collection of that name the target has of its own is not the restore's to rename or drop.
        if (fromCovered && !state.IsHeld(from)) return Rewritten.Nothing;
        // Renamed onto a namespace that failed (a target of the restore's name that it must not touch): the collection
        // leaves its name, as at the moment restored, and nothing is written to (or dropped from) the failed one.
        if (fromCovered && toCovered && state.HasFailed(to))
        {
            state.Releases(from);
            state.Indexes.DropCollection(from);
            return Rewritten.Send(DropOf(entry, from));
        }
        if (fromCovered && toCovered) return Within(entry, o, from, to);
        state.Releases(from);
        state.Indexes.DropCollection(from);
        if (fromCovered) return Rewritten.Send(DropOf(entry, from));

        var replaced = o.TryGetValue("dropTarget", out var dropTarget) && (dropTarget.IsBsonBinaryData || dropTarget.ToBoolean());
        if (state.IsHeld(to) && !replaced) return Rewritten.Nothing;
        var (db, collection) = NamespaceName.Split(from);
        state.Indexes.DropCollection(to);
        state.Fail(to, $"it was renamed from {from} at {At(entry)}, and {from} is not in this restore: {coverage.WhyNot(db, collection)}. " +
            "Its documents from before the rename were never restored, so it would hold only part of its data; " +
            $"restore {from} as well (from a snapshot that holds it)");
        return Rewritten.RecordedOnly;
    }

    private Rewritten Within(BsonDocument entry, BsonDocument o, string from, string to)
    {
        var body = o.DeepClone().AsBsonDocument;
        body["renameCollection"] = map.Map(from);
        body["to"] = map.Map(to);
        body.Remove("uuid");
        body["dropTarget"] = o.TryGetValue("dropTarget", out var dropTarget) && (dropTarget.IsBsonBinaryData || dropTarget.ToBoolean());
        state.Releases(from);
        state.Holds(to);
        state.Indexes.Rename(from, to);
        return Rewritten.Send(CommandRewriter.CommandEntry(entry, NamespaceName.Split(body["renameCollection"].AsString).Database, body));
    }

    private BsonDocument DropOf(BsonDocument entry, string ns)
    {
        var (db, collection) = NamespaceName.Split(ns);
        var (targetDb, targetCollection) = map.Map(db, collection);
        return CommandRewriter.CommandEntry(entry, targetDb, new BsonDocument("drop", targetCollection));
    }

    private bool Covered(string ns)
    {
        var (db, collection) = NamespaceName.Split(ns);
        return !OplogForms.IsServerDatabase(db) && !SystemCollections.IsServerOwned(collection) && coverage.Covers(db, collection);
    }

    private static string At(BsonDocument entry) =>
        entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts ? OplogTimestamp.FromBsonTimestamp(ts).ToString() : "an unknown time";
}
