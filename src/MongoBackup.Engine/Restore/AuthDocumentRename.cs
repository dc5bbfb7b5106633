using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// A user or role of database D as database T's copy: the admin.system.users / system.roles document forms of MongoDB's
/// auth schema 5 (src/mongo/db/auth/user_document_parser.cpp, role_graph.cpp): _id "DB.NAME", "db", the granted
/// "roles" [{role, db}], a role's "privileges" [{resource: {db, collection} | {cluster} | {anyResource}, actions}] and
/// "inheritedRoles" when saved. Every reference follows the restore's renames (<see cref="UsersAndRolesTargets.DatabaseReference"/>,
/// <see cref="UsersAndRolesTargets.ResourceReference"/>), not only those into D: a copy of hr granted read on pay, restored
/// with pay renamed to pay_c, gets read on pay_c, never on the live pay. A reference to a database the restore does not
/// rename (read on reporting, a role of admin) is kept as the source had it. A renamed user is another user, so it gets
/// a new userId (MongoDB gives each user one at createUser); its credentials stay valid, since SCRAM's keys are derived
/// from the user name and password, not the database.
/// </summary>
public static class AuthDocumentRename
{
    /// <summary>
    /// A copy of <paramref name="document"/> (a user or role of <paramref name="from"/>) as <paramref name="to"/>'s, its
    /// references renamed by <paramref name="renames"/>; the document itself when <paramref name="from"/> is <paramref name="to"/>.
    /// </summary>
    public static BsonDocument Rename(BsonDocument document, string from, string to, UsersAndRolesTargets renames)
    {
        if (from == to) return document;
        var copy = document.DeepClone().AsBsonDocument;
        var name = copy.GetValue("user", null) ?? copy.GetValue("role", null);
        if (name is BsonString { Value: var n }) copy["_id"] = to + "." + n;
        copy["db"] = to;
        if (copy.Contains("userId")) copy["userId"] = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        foreach (var (reference, kind) in References(copy))
        {
            var (db, collection) = Target(reference, kind, renames);
            reference["db"] = db;
            if (kind != Kind.Role) reference[CollectionField(kind)] = collection;
        }
        return copy;
    }

    /// <summary>
    /// The references of <paramref name="document"/> that <paramref name="renames"/> would rename, each as it is
    /// ("role@db", "db.collection" or "db") and as a copy would have it: what a user or role restored under its own name
    /// keeps pointing at, as the source had it.
    /// </summary>
    public static IReadOnlyList<(string Source, string Copy)> RenamedReferences(BsonDocument document, UsersAndRolesTargets renames) =>
        References(document)
            .Select(r => (r, Source: Source(r.Reference, r.Kind), Target: Target(r.Reference, r.Kind, renames)))
            .Where(r => r.Source != r.Target)
            .Select(r => (Describe(r.r.Reference, r.r.Kind, r.Source), Describe(r.r.Reference, r.r.Kind, r.Target)))
            .Distinct().ToList();

    private enum Kind { Role, Collection, Buckets }

    private static string CollectionField(Kind kind) => kind == Kind.Buckets ? "system_buckets" : "collection";

    private static (string Db, string Collection) Source(BsonDocument reference, Kind kind) =>
        (reference["db"].AsString, kind == Kind.Role ? "" : reference[CollectionField(kind)].AsString);

    /// <summary>Where a reference points after the renames: a role's database, a resource's database and collection.</summary>
    private static (string Db, string Collection) Target(BsonDocument reference, Kind kind, UsersAndRolesTargets renames)
    {
        var (db, collection) = Source(reference, kind);
        if (kind == Kind.Role) return (renames.DatabaseReference(db), "");
        if (kind == Kind.Collection) return renames.ResourceReference(db, collection);
        // {db, system_buckets: NAME} (MongoDB 5.0's time-series resource) names the buckets of NAME, which follow NAME.
        var (toDb, buckets) = renames.ResourceReference(db, TimeseriesBuckets.Of(collection));
        return (toDb, TimeseriesBuckets.IsBuckets(buckets) ? TimeseriesBuckets.CollectionOf(buckets) : collection);
    }

    private static string Describe(BsonDocument reference, Kind kind, (string Db, string Collection) at) =>
        kind == Kind.Role ? $"{reference.GetValue("role", "")}@{at.Db}" : at.Collection.Length == 0 ? at.Db : $"{at.Db}.{at.Collection}";

    /// <summary>
    /// The granted and inherited roles ({role, db}), and the privileges' resources that name a database: {db, collection}
    /// (either may be "", any) and {db, system_buckets}; a {cluster} or {anyResource} resource names none.
    /// </summary>
    private static IEnumerable<(BsonDocument Reference, Kind Kind)> References(BsonDocument document)
    {
        foreach (var field in new[] { "roles", "inheritedRoles" })
            foreach (var role in Documents(document.GetValue(field, null)))
                if (role.GetValue("db", null) is BsonString) yield return (role, Kind.Role);
        foreach (var privilege in Documents(document.GetValue("privileges", null)))
        {
            if (privilege.GetValue("resource", null) is not BsonDocument resource || resource.GetValue("db", null) is not BsonString) continue;
            if (resource.GetValue("collection", null) is BsonString) yield return (resource, Kind.Collection);
            else if (resource.GetValue("system_buckets", null) is BsonString) yield return (resource, Kind.Buckets);
        }
    }

    private static IEnumerable<BsonDocument> Documents(BsonValue? list) =>
        list is BsonArray array ? array.OfType<BsonDocument>() : [];
}
