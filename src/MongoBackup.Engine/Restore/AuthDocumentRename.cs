using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// A user or role of database D as database T's: the admin.system.users / system.roles document forms of MongoDB's
/// auth schema 5 (src/mongo/db/auth/user_document_parser.cpp, role_graph.cpp): _id "DB.NAME", "db", the granted
/// "roles" [{role, db}], a role's "privileges" [{resource: {db, collection}, actions}] and "inheritedRoles" when saved.
/// What pointed into D now points into T; what names another database (read on reporting, a role of admin) is kept as
/// the source had it. A renamed user is another user, so it gets a new userId (MongoDB gives each user one at
/// createUser); its credentials stay valid, since SCRAM's keys are derived from the user name and password, not the database.
/// </summary>
public static class AuthDocumentRename
{
    /// <summary>A copy of <paramref name="document"/> (a user or role of <paramref name="from"/>) as <paramref name="to"/>'s; the document itself when the two are the same.</summary>
    public static BsonDocument Rename(BsonDocument document, string from, string to)
    {
        if (from == to) return document;
        var copy = document.DeepClone().AsBsonDocument;
        var name = copy.GetValue("user", null) ?? copy.GetValue("role", null);
        if (name is BsonString { Value: var n }) copy["_id"] = to + "." + n;
        copy["db"] = to;
        if (copy.Contains("userId")) copy["userId"] = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        foreach (var field in new[] { "roles", "inheritedRoles" }) RenameReferences(copy.GetValue(field, null), "db", from, to);
        foreach (var privilege in Documents(copy.GetValue("privileges", null)))
            RenameReferences(new BsonArray { privilege.GetValue("resource", BsonNull.Value) }, "db", from, to);
        return copy;
    }

    private static void RenameReferences(BsonValue? list, string field, string from, string to)
    {
        foreach (var reference in Documents(list))
            if (reference.GetValue(field, null) is BsonString { Value: var db } && db == from) reference[field] = to;
    }

    private static IEnumerable<BsonDocument> Documents(BsonValue? list) =>
        list is BsonArray array ? array.OfType<BsonDocument>() : [];
}
