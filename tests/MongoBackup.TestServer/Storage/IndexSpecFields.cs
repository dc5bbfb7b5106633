using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The fields an index spec may have, as createIndexes checks them: allowedFieldNames in
/// src/mongo/db/catalog/index_key_validate.h (validateIndexSpecFieldNames), a spec with another field being refused with
/// InvalidIndexSpecificationOption (197) in the command's "Error in specification ... :: caused by ::" form; with
/// ignoreUnknownIndexOptions (what mongorestore sends to servers from 4.1.9 on) the unknown fields are dropped
/// instead (removeUnknownFields). A clustered spec (only create's clusteredIndex makes one) is left to its own rules.
/// </summary>
internal static class IndexSpecFields
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "bits", "max", "min", "coarsestIndexedLevel", "finestIndexedLevel", "2dsphereIndexVersion", "background", "collation",
        "default_language", "dropDups", "expireAfterSeconds", "hidden", "name", "v", "key", "language_override", "ns",
        "partialFilterExpression", "wildcardProjection", "columnstoreProjection", "sparse", "storageEngine", "textIndexVersion",
        "unique", "weights", "originalSpec", "prepareUnique", "_id",
    };

    /// <summary>The spec, with its unknown fields dropped when <paramref name="ignoreUnknown"/>, else refused.</summary>
    public static BsonDocument Check(BsonDocument spec, bool ignoreUnknown)
    {
        if (spec.Contains("clustered")) return spec;
        var unknown = spec.Names.FirstOrDefault(n => !Allowed.Contains(n));
        if (unknown == null) return spec;
        if (ignoreUnknown) return new BsonDocument(spec.Where(e => Allowed.Contains(e.Name)));
        throw new CommandFailure(197, "InvalidIndexSpecificationOption",
            $"Error in specification {spec.ToJson()} :: caused by :: The field '{unknown}' is not valid for an index specification. Specification: {spec.ToJson()}");
    }
}
