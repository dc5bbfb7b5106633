using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Builds the indexes of a createIndexes command and logs them as MongoDB 4.4+ does (index_builds_coordinator.cpp,
/// op_observer_impl.cpp): on an empty or new collection one {createIndexes: coll, ...spec} entry per index
/// (createIndexesOnEmptyCollection); on a collection that holds documents a two-phase build, {startIndexBuild: coll,
/// indexBuildUUID, indexes: [specs]}, then {commitIndexBuild: ...} with the same fields, or {abortIndexBuild: ..., cause:
/// {ok: false, code, codeName, errmsg, ...}} when the build fails (a unique index over duplicate keys), and the command
/// then fails with that error. Compared with mongorestore/testdata/oplogs/bson/commit_index.bson, create_index.bson and
/// oplog_ignore_index/oplog.bson (an abort's cause).
/// </summary>
internal static class IndexBuilder
{
    /// <summary>
    /// Builds the new indexes among <paramref name="specs"/> (identical existing ones are skipped, as MongoDB skips them);
    /// returns how many were built.
    /// </summary>
    public static int Build(Collection collection, IReadOnlyList<BsonDocument> specs, WriteContext context)
    {
        var indexes = new List<IndexDefinition>();
        foreach (var spec in specs)
            if (Prepare(collection, spec) is { } index && indexes.All(i => i.Name != index.Name)) indexes.Add(index);
        if (indexes.Count == 0) return 0;
        if (collection.Records.Count == 0)
        {
            foreach (var index in indexes)
            {
                Add(collection, index, context);
                CatalogWriter.WriteCommand(collection, new BsonDocument("createIndexes", collection.Name).AddRange(index.Spec), context);
            }
            return indexes.Count;
        }
        if (context.Steps != null)
            throw new CommandFailure(263, "OperationNotSupportedInTransaction",
                $"Cannot create new indexes on existing collection {collection.Namespace} in a multi-document transaction.");
        BuildInTwoPhases(collection, indexes, context);
        return indexes.Count;
    }

    private static void BuildInTwoPhases(Collection collection, List<IndexDefinition> indexes, WriteContext context)
    {
        var buildUuid = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        BsonDocument Entry(string phase) => new()
        {
            { phase, collection.Name }, { "indexBuildUUID", buildUuid }, { "indexes", new BsonArray(indexes.Select(i => i.Spec)) },
        };
        CatalogWriter.WriteCommand(collection, Entry("startIndexBuild"), context);
        var built = new List<IndexDefinition>();
        try
        {
            foreach (var index in indexes)
            {
                collection.AddIndex(index);
                built.Add(index);
            }
        }
        catch (CommandFailure failure)
        {
            foreach (var index in built) collection.RemoveIndex(index);
            var cause = new BsonDocument { { "ok", false }, { "code", failure.Code }, { "codeName", failure.CodeName }, { "errmsg", failure.Message } };
            if (failure.ExtraInfo != null) cause.AddRange(failure.ExtraInfo);
            CatalogWriter.WriteCommand(collection, Entry("abortIndexBuild").Add("cause", cause), context);
            throw new CommandFailure(failure.Code, failure.CodeName,
                $"Index build failed: {buildUuid.ToGuid()}: Collection {collection.Namespace} ( {collection.Uuid} ) :: caused by :: {failure.Message}")
            {
                ExtraInfo = failure.ExtraInfo,
            };
        }
        foreach (var index in built) context.OnUndo(() => collection.RemoveIndex(index));
        CatalogWriter.WriteCommand(collection, Entry("commitIndexBuild"), context);
    }

    /// <summary>The index a spec asks for, or null when an identical one exists; conflicting ones fail as MongoDB fails them.</summary>
    private static IndexDefinition? Prepare(Collection collection, BsonDocument givenSpec)
    {
        if (!givenSpec.TryGetValue("key", out var key) || key is not BsonDocument keyDoc || keyDoc.ElementCount == 0)
            throw CommandFailure.BadValue("Index key must be a non-empty document: " + givenSpec.ToJson());
        if (!givenSpec.TryGetValue("name", out var name) || !name.IsString || name.AsString.Length == 0)
            throw CommandFailure.BadValue("Index spec must have a non-empty string 'name': " + givenSpec.ToJson());
        var spec = IndexDefinition.NormalizeSpec(givenSpec);
        spec.Remove("ns");
        foreach (var existing in collection.Indexes)
        {
            var sameName = existing.Name == name.AsString;
            var sameKey = existing.Key.Equals(keyDoc);
            if (sameName && sameKey)
            {
                if (OptionsOf(existing.Spec).Equals(OptionsOf(spec))) return null;
                throw CommandFailure.IndexOptionsConflict(
                    $"An existing index has the same name as the requested index but different options. Requested index: {spec.ToJson()}, existing index: {existing.Spec.ToJson()}");
            }
            if (sameName)
                throw CommandFailure.IndexKeySpecsConflict(
                    $"An existing index has the same name as the requested index but different key. Requested index: {spec.ToJson()}, existing index: {existing.Spec.ToJson()}");
            if (sameKey && OptionsOf(existing.Spec).Equals(OptionsOf(spec)))
                throw CommandFailure.IndexOptionsConflict($"Index already exists with a different name: {existing.Name}");
        }
        return new IndexDefinition(spec);
    }

    private static void Add(Collection collection, IndexDefinition index, WriteContext context)
    {
        collection.AddIndex(index);
        context.OnUndo(() => collection.RemoveIndex(index));
    }

    private static BsonDocument OptionsOf(BsonDocument spec)
    {
        var options = new BsonDocument(spec);
        options.Remove("v");
        options.Remove("name");
        options.Remove("ns");
        return options;
    }
}
