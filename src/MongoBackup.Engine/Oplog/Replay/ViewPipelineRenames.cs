using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The collections a view's pipeline reads, renamed as the restore renames them, so a renamed view reads the renamed
/// copies and not the originals (a view restored beside its source would otherwise join the live collections). The
/// references are those MongoDB resolves in the view's own database (MongoDB manual, $lookup: "from: Specifies the
/// collection in the same database to perform the join with"; $graphLookup "from"; $unionWith "coll"): $lookup.from,
/// $graphLookup.from, $unionWith as a name or {coll}, and those nested in $lookup.pipeline, $unionWith.pipeline and
/// $facet. A $lookup whose from names a database ({db, coll}) is left as it is.
/// A reference to a collection the restore does not restore keeps its name; so does one the renames send to another
/// database than the view's, since a view reads its own database only. When the view itself changes database, each
/// kept reference is said in a warning: the view would read a collection of that name in its new database, which the
/// restore did not put there.
/// </summary>
public static class ViewPipelineRenames
{
    /// <summary>
    /// A copy of <paramref name="pipeline"/> of the view <paramref name="database"/>.<paramref name="view"/>, restored into
    /// <paramref name="targetDatabase"/>, its references renamed by <paramref name="map"/> where <paramref name="restores"/>
    /// says the restore restores the collection; <paramref name="warn"/> is told of the references kept that the view's move
    /// to another database leaves pointing at a collection the restore did not restore there.
    /// </summary>
    public static BsonArray Rename(BsonArray pipeline, string database, string view, string targetDatabase, NamespaceMap map,
        Func<string, string, bool> restores, Action<string>? warn)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(restores);
        var kept = new List<(string Name, string Why)>();
        string Reference(string collection)
        {
            if (restores(database, collection))
            {
                var (db, renamed) = map.MapStored(database, collection);
                if (db == targetDatabase) return renamed;
                kept.Add((collection, $"restored into {db}.{renamed}, another database than the view's"));
            }
            else if (targetDatabase != database)
                kept.Add((collection, $"not restored into {targetDatabase}"));
            return collection;
        }
        var renamed = Pipeline(pipeline, Reference);
        if (warn is not null && kept.Count > 0)
        {
            var target = targetDatabase + "." + map.MapStored(database, view).Collection;
            warn($"The view {database}.{view}, restored as {target}, reads {string.Join(", ", kept.Select(k => $"{k.Name} ({k.Why})"))} in its pipeline; it keeps that name, " +
                $"so the view reads {string.Join(", ", kept.Select(k => targetDatabase + "." + k.Name).Distinct())}, which this restore " +
                "did not restore: a collection that is not there, or another one. Restore what the view reads into its database too " +
                "(-RenameDatabase, -NamespaceMap), or recreate the view.");
        }
        return renamed;
    }

    private static BsonArray Pipeline(BsonArray pipeline, Func<string, string> reference) =>
        new(pipeline.Select(stage => stage is BsonDocument document ? Stage(document, reference) : stage));

    private static BsonValue Stage(BsonDocument stage, Func<string, string> reference)
    {
        var copy = stage.DeepClone().AsBsonDocument;
        if (copy.GetValue("$lookup", BsonNull.Value) is BsonDocument lookup)
        {
            if (lookup.GetValue("from", BsonNull.Value) is BsonString from) lookup["from"] = reference(from.Value);
            if (lookup.GetValue("pipeline", BsonNull.Value) is BsonArray inner) lookup["pipeline"] = Pipeline(inner, reference);
        }
        if (copy.GetValue("$graphLookup", BsonNull.Value) is BsonDocument graph && graph.GetValue("from", BsonNull.Value) is BsonString graphFrom)
            graph["from"] = reference(graphFrom.Value);
        switch (copy.GetValue("$unionWith", BsonNull.Value))
        {
            case BsonString coll:
                copy["$unionWith"] = reference(coll.Value);
                break;
            case BsonDocument union:
                if (union.GetValue("coll", BsonNull.Value) is BsonString unionColl) union["coll"] = reference(unionColl.Value);
                if (union.GetValue("pipeline", BsonNull.Value) is BsonArray unionPipeline) union["pipeline"] = Pipeline(unionPipeline, reference);
                break;
        }
        if (copy.GetValue("$facet", BsonNull.Value) is BsonDocument facet)
            foreach (var name in facet.Names.ToList())
                if (facet[name] is BsonArray facetPipeline) facet[name] = Pipeline(facetPipeline, reference);
        return copy;
    }
}
