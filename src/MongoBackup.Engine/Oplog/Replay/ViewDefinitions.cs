using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Views created, changed or dropped in the window. MongoDB keeps a database's views as documents of
/// &lt;db&gt;.system.views ({_id: "db.view", viewOn, pipeline, collation}) and logs their changes as inserts, updates
/// and deletes there (jstests/replsets/view_catalog_oplog_entries.js: one insert for a createView, one update for a
/// collMod). The view's name and its source follow the restore's renames like any namespace, and the restore's filters
/// apply to the view's name, not to system.views. The collections its pipeline reads ($lookup, $graphLookup, $unionWith,
/// nested ones too) follow the renames of those the restore covers, as a restored snapshot's views do
/// (<see cref="ViewPipelineRenames"/>); a reference left pointing at a collection the restore did not put beside the
/// view is told to <paramref name="warn"/>.
/// </summary>
public sealed class ViewDefinitions(ReplayCoverage coverage, NamespaceMap map, ReplayState state, Action<string>? warn = null)
{
    /// <summary>
    /// A write to &lt;db&gt;.system.views, aimed at the renamed view; nothing when the view is not restored, or is
    /// changed or dropped without the restore holding it. A view created is preceded by a create of the target
    /// database's system.views: applyOps does not create the collection an insert names (NamespaceNotFound), and the
    /// target database may have no view yet (a renamed database, or one whose views the restore's filters left out);
    /// where it exists the create is refused as NamespaceExists, which the replay takes as done.
    /// </summary>
    public Rewritten Rewrite(BsonDocument entry, string database)
    {
        var o = entry["o"].AsBsonDocument;
        var selector = entry["op"] == "u" ? entry.GetValue("o2", BsonNull.Value) as BsonDocument : o;
        if (selector?.GetValue("_id", BsonNull.Value) is not BsonString { Value: var id }) return Rewritten.Nothing;
        var view = id.StartsWith(database + ".", StringComparison.Ordinal) ? id[(database.Length + 1)..] : id;
        var source = database + "." + view;
        if (!coverage.Covers(database, view) || state.HasFailed(source)) return Rewritten.Nothing;
        if (entry["op"] != "i" && !state.IsHeld(source)) return Rewritten.Nothing;

        var (targetDb, targetView) = map.Map(database, view);
        var copy = entry.DeepClone().AsBsonDocument;
        copy["ns"] = targetDb + "." + SystemCollections.Views;
        var body = copy["o"].AsBsonDocument;
        if (entry["op"] == "u")
        {
            copy["o2"]["_id"] = targetDb + "." + targetView;
            foreach (var changed in Changed(body)) MapDefinition(changed, database, view, targetDb);
        }
        if (entry["op"] != "u" || body.Contains("_id")) body["_id"] = targetDb + "." + targetView;
        MapDefinition(body, database, view, targetDb);
        var write = OplogEntryRewriter.StripSourceFields(copy);
        if (entry["op"] == "d")
        {
            state.Releases(source);
            return Rewritten.Send(write);
        }
        if (entry["op"] == "u") return Rewritten.Send(write);
        state.Holds(source);
        var create = CommandRewriter.CommandEntry(entry, targetDb, new BsonDocument("create", SystemCollections.Views));
        return new Rewritten([create, write], true);
    }

    /// <summary>
    /// A view's source under the restore's renames: another collection of the view's database (a time-series
    /// collection's view reads system.buckets.NAME, which follows NAME). A source the renames send to another database
    /// than the view keeps its name, as MongoDB views cannot read across databases.
    /// </summary>
    public string MapSource(string database, string viewOn, string targetDatabase)
    {
        var (db, collection) = map.MapStored(database, viewOn);
        return db == targetDatabase ? collection : viewOn;
    }

    /// <summary>
    /// A view's definition (an entry of system.views, a create or a collMod) under the restore's renames: its viewOn
    /// (<see cref="MapSource(string, string, string)"/>) and the collections its pipeline reads (<see cref="ViewPipelineRenames"/>).
    /// </summary>
    public void MapDefinition(BsonDocument document, string database, string view, string targetDatabase)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.GetValue("viewOn", BsonNull.Value) is BsonString viewOn)
            document["viewOn"] = MapSource(database, viewOn.Value, targetDatabase);
        if (document.GetValue("pipeline", BsonNull.Value) is BsonArray pipeline)
            document["pipeline"] = ViewPipelineRenames.Rename(pipeline, database, view, targetDatabase, map, coverage.Covers, warn);
    }

    /// <summary>The parts of an update that can set viewOn or the pipeline: a $v:2 diff's updates and inserts, a $set.</summary>
    private static IEnumerable<BsonDocument> Changed(BsonDocument update)
    {
        if (update.GetValue("diff", BsonNull.Value) is BsonDocument diff)
            foreach (var section in new[] { "u", "i" })
                if (diff.GetValue(section, BsonNull.Value) is BsonDocument part) yield return part;
        if (update.GetValue("$set", BsonNull.Value) is BsonDocument set) yield return set;
    }
}
