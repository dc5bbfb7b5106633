using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Command entries ({op: "c", ns: "db.$cmd", o: {command: collection, ...}}): each one applies only to what the
/// restore covers, under its renamed names. Index builds go to <see cref="DeferredIndexes"/> instead of the target;
/// a dropDatabase drops only the namespaces the restore holds; a rename across the edge of what the restore covers
/// becomes a drop (renamed away) or fails the namespace it fills (renamed in, without its data).
/// </summary>
public sealed class CommandRewriter(ReplayCoverage coverage, NamespaceMap map, ReplayState state, ViewDefinitions views)
{
    /// <summary>What a command entry on <paramref name="database"/> (its body <paramref name="o"/>) becomes on the target.</summary>
    /// <exception cref="MongoBackupException">A command no replay can apply, on a namespace the restore covers.</exception>
    public Rewritten Rewrite(BsonDocument entry, string database, BsonDocument o)
    {
        var command = o.GetElement(0).Name;
        if (OplogForms.IgnoredCommands.Contains(command)) return Rewritten.Nothing;
        if (OplogForms.IndexDrops.Contains(command))
            return OnCollection(database, o, command, ns => state.Indexes.Drop(ns, o.GetValue("index", BsonNull.Value)));
        return command switch
        {
            "create" => Create(entry, database, o),
            "drop" => Send(entry, database, o, command, ns => { state.Releases(ns); state.Indexes.DropCollection(ns); }),
            "collMod" => CollMod(entry, database, o),
            "emptycapped" or "convertToCapped" => Send(entry, database, o, command, _ => { }),
            "createIndexes" => OnCollection(database, o, command, ns =>
            {
                var specs = o.GetValue("indexes", BsonNull.Value) is BsonArray many
                    ? many.Select(s => s.AsBsonDocument) : [new BsonDocument(o.Skip(1))];
                foreach (var spec in specs) state.Indexes.Add(ns, spec, OnBuckets(o, command));
            }),
            "commitIndexBuild" => OnCollection(database, o, command, ns =>
            {
                foreach (var spec in o["indexes"].AsBsonArray) state.Indexes.Add(ns, spec.AsBsonDocument, OnBuckets(o, command));
            }),
            "renameCollection" => new CollectionRename(coverage, map, state).Rewrite(entry, o),
            "dropDatabase" => DropDatabase(entry, database),
            "importCollection" => Unreplayable(entry, command, o[command] is BsonString imported ? imported.Value : database,
                "it brings a collection's data files in from outside, and the oplog holds none of its documents"),
            "upgradeDowngradeViewlessTimeseries" => Unreplayable(entry, command, database + "." + (o[command] is BsonString converted ? converted.Value : ""),
                "it converts a time-series collection between MongoDB 8.x and 9.0 forms (an FCV change), which needs the source's collection UUID"),
            _ => throw UnreplayableEntry.Error(entry, $"a '{command}' command", "this version does not know what it changes"),
        };
    }

    /// <summary>
    /// A covered collection's own command (its first field names it): applied to its renamed name. Only a create is
    /// sent for a collection the restore does not hold: any other would change a collection of the target's own, or none.
    /// </summary>
    private Rewritten Send(BsonDocument entry, string database, BsonDocument o, string command, Action<string> track, Action<BsonDocument>? adjust = null)
    {
        if (Owner(database, o[command]) is not { } ns || (command != "create" && !state.IsHeld(ns))) return Rewritten.Nothing;
        var (targetDb, targetCollection) = map.MapStored(database, o[command].AsString);
        var body = o.DeepClone().AsBsonDocument;
        body[command] = targetCollection;
        adjust?.Invoke(body);
        track(ns);
        return Rewritten.Send(CommandEntry(entry, targetDb, body));
    }

    /// <summary>A held collection's command that changes only the replay's state (an index to build later).</summary>
    private Rewritten OnCollection(string database, BsonDocument o, string command, Action<string> record)
    {
        if (Owner(database, o[command]) is not { } ns || !state.IsHeld(ns)) return Rewritten.Nothing;
        record(ns);
        return Rewritten.RecordedOnly;
    }

    // A time-series collection's create entry carries its timeseries options (whether it names the collection or its buckets).
    private Rewritten Create(BsonDocument entry, string database, BsonDocument o) =>
        Send(entry, database, o, "create", o.Contains("timeseries") ? state.HoldsTimeseries : state.Holds, body =>
        {
            body.Remove("recordIdsReplicated"); // as mongorestore: the target keeps its own record ids
            if (body.GetValue("idIndex", BsonNull.Value) is BsonDocument idIndex) idIndex.Remove("ns"); // the source's name
            if (body.Contains("viewOn"))
                views.MapDefinition(body, database, o["create"].AsString, map.Map(database, o["create"].AsString).Database);
        });

    /// <summary>
    /// collMod: an index change goes to the deferred indexes (the index is not built yet); the options MongoDB 4.2+
    /// no longer takes (noPadding, usePowerOf2Sizes) are dropped, as mongorestore does; what remains is applied.
    /// </summary>
    private Rewritten CollMod(BsonDocument entry, string database, BsonDocument o)
    {
        if (Owner(database, o["collMod"]) is not { } ns || !state.IsHeld(ns)) return Rewritten.Nothing;
        if (o.GetValue("index", BsonNull.Value) is BsonDocument index) state.Indexes.Modify(ns, index);
        var rest = new BsonDocument(o.Where(e => e.Name is not ("index" or "noPadding" or "usePowerOf2Sizes")));
        if (rest.ElementCount == 1) return Rewritten.RecordedOnly;
        var (targetDb, targetCollection) = map.MapStored(database, o["collMod"].AsString);
        var body = rest.DeepClone().AsBsonDocument;
        body["collMod"] = targetCollection;
        if (body.Contains("viewOn") || body.Contains("pipeline")) views.MapDefinition(body, database, o["collMod"].AsString, targetDb);
        return Rewritten.Send(CommandEntry(entry, targetDb, body));
    }

    /// <summary>
    /// A dropDatabase drops what this restore holds of that database and nothing else: MongoDB 4.2+ logs a drop for
    /// each collection before it (so this is mostly done already), and the target's database may hold collections
    /// the restore was never told to touch.
    /// </summary>
    private Rewritten DropDatabase(BsonDocument entry, string database)
    {
        var held = state.HeldIn(database);
        state.Indexes.DropDatabase(database);
        if (held.Count == 0) return Rewritten.Nothing;
        var drops = new List<BsonDocument>();
        foreach (var ns in held)
        {
            state.Releases(ns);
            var (targetDb, targetCollection) = map.Map(ns[..database.Length], ns[(database.Length + 1)..]);
            drops.Add(CommandEntry(entry, targetDb, new BsonDocument("drop", targetCollection)));
        }
        return new Rewritten(drops, true);
    }

    private Rewritten Unreplayable(BsonDocument entry, string command, string ns, string why)
    {
        var (db, collection) = NamespaceName.Split(ns);
        if (!coverage.Covers(db, collection)) return Rewritten.Nothing; // outside the restore: it changes nothing restored
        throw UnreplayableEntry.Error(entry, $"a '{command}' command on {ns}", why);
    }

    /// <summary>
    /// Whether an index build was logged on a time-series collection's buckets (system.buckets.NAME): its specs are the
    /// buckets-level ones the server built there (see <see cref="DeferredIndexes"/>), not a user's spec on NAME.
    /// </summary>
    private static bool OnBuckets(BsonDocument o, string command) =>
        o[command] is BsonString { Value: var collection } && TimeseriesBuckets.IsBuckets(collection);

    /// <summary>The covered source namespace a command's collection belongs to; null when it is not restored.</summary>
    private string? Owner(string database, BsonValue collection)
    {
        if (collection is not BsonString { Value: var name } || name == SystemCollections.Views || SystemCollections.IsServerOwned(name)) return null;
        var ns = database + "." + SystemCollections.OwnerOf(name);
        return coverage.Covers(database, name) && !state.HasFailed(ns) ? ns : null;
    }

    /// <summary>A command entry for the target: the source's entry without its source-only fields, on db.$cmd.</summary>
    public static BsonDocument CommandEntry(BsonDocument source, string targetDatabase, BsonDocument body)
    {
        var entry = OplogEntryRewriter.StripSourceFields(source);
        entry["op"] = "c";
        entry["ns"] = targetDatabase + ".$cmd";
        entry["o"] = body;
        entry.Remove("o2");
        return entry;
    }
}
