using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// _mergeAuthzCollections, the internal command mongorestore restores users and roles with: it loads the dumped
/// documents into temporary admin collections, then asks the server to merge them into admin.system.users and
/// admin.system.roles. db limits the merge to one database's users and roles ("" means all); drop first removes the
/// existing ones of that scope. A merged user or role replaces the one with the same _id.
/// </summary>
internal sealed class AuthzMergeCommand : ICommandGroup
{
    public void Register(CommandTable table) => table.Add("_mergeAuthzCollections", Merge);

    private static BsonDocument Merge(CommandContext context)
    {
        if (context.Database != "admin")
            throw CommandFailure.Unauthorized("_mergeAuthzCollections may only be run against the admin database.");
        var scope = context.Body.GetValue("db", "").AsString;
        var drop = context.BoolArgument("drop");
        var merged = false;
        foreach (var (argument, target) in new[] { ("tempUsersCollection", "system.users"), ("tempRolesCollection", "system.roles") })
        {
            if (!context.Body.TryGetValue(argument, out var temp)) continue;
            if (!temp.IsString) throw CommandFailure.TypeMismatch($"_mergeAuthzCollections '{argument}' must be a string namespace");
            MergeInto(context, temp.AsString, target, scope, drop);
            merged = true;
        }
        if (!merged)
            throw CommandFailure.BadValue("Must provide at least one of \"tempUsersCollection\" and \"tempRolescollection\"");
        UserCommands.RecordAuthSchema(context.Server, context.Writes);
        return new BsonDocument();
    }

    private static void MergeInto(CommandContext context, string tempNamespace, string target, string scope, bool drop)
    {
        var server = context.Server;
        var writes = context.Writes;
        bool InScope(BsonDocument document) => scope.Length == 0 || document.GetValue("db", "").ToString() == scope;
        var incoming = (server.Catalog.Find(tempNamespace)?.Documents() ?? Enumerable.Empty<BsonDocument>()).Where(InScope).ToList();
        var existing = server.Catalog.Find("admin", target);
        if (existing != null)
        {
            var replaced = drop
                ? existing.Documents().Where(InScope).ToList()
                : existing.Documents().Where(d => incoming.Any(i => i["_id"] == d["_id"])).ToList();
            foreach (var document in replaced)
                server.DocumentWriter.Delete(existing, existing.FindById(document["_id"])!.Value, document, writes);
        }
        foreach (var document in incoming) server.DocumentWriter.Insert("admin", target, document, writes);
    }
}
