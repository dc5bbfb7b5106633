using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// The collation MongoDB stores on a new index: an index without one inherits its collection's default collation,
/// and an explicit {locale: "simple"} is stored as no collation at all. mongodump dumps these specs, and mongorestore
/// adds {locale: "simple"} to an index without collation on a collection with a default one, so an index that failed
/// to inherit would come back with a different collation.
/// </summary>
internal static class IndexCollation
{
    public static BsonDocument Resolve(BsonDocument spec, BsonDocument collectionOptions)
    {
        if (spec.TryGetValue("collation", out var given))
        {
            if (given is BsonDocument g && g.GetValue("locale", BsonNull.Value) == "simple")
                return new BsonDocument(spec.Where(e => e.Name != "collation"));
            return spec;
        }
        if (collectionOptions.TryGetValue("collation", out var inherited) && inherited is BsonDocument c && c.GetValue("locale", BsonNull.Value) != "simple")
            return new BsonDocument(spec) { { "collation", c } };
        return spec;
    }
}
