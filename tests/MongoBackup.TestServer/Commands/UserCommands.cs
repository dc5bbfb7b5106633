using MongoBackup.TestServer.Auth;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Users and roles, stored as MongoDB stores them in admin.system.users and admin.system.roles (so they are also
/// readable and writable as those collections): createUser, dropUser, usersInfo, grantRolesToUser, createRole,
/// dropRole, rolesInfo.
/// </summary>
internal sealed class UserCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("createUser", CreateUser);
        table.Add("dropUser", DropUser);
        table.Add("usersInfo", UsersInfo);
        table.Add("grantRolesToUser", GrantRolesToUser);
        table.Add("createRole", CreateRole);
        table.Add("dropRole", DropRole);
        table.Add("rolesInfo", RolesInfo);
        // Authentication reads admin.system.users on every attempt, so there is no cache to drop.
        table.Add("invalidateUserCache", _ => new BsonDocument());
    }

    /// <summary>Writes a user document {_id: "db.user", userId, user, db, credentials, roles} into admin.system.users.</summary>
    public static BsonDocument StoreUser(ServerState server, string database, string user, string password, BsonArray roles, WriteContext writes)
    {
        if (AuthCommands.FindUser(server.Catalog, database, user) != null)
            throw new CommandFailure(51003, "Location51003", $"User \"{user}@{database}\" already exists");
        var document = new BsonDocument
        {
            { "_id", database + "." + user },
            { "userId", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
            { "user", user },
            { "db", database },
            { "credentials", ScramCredentials.For(user, password) },
            { "roles", roles },
        };
        RecordAuthSchema(server, writes);
        return server.DocumentWriter.Insert("admin", "system.users", document, writes);
    }

    /// <summary>
    /// As MongoDB does on the first createUser or createRole: admin.system.version gets {_id: "authSchema",
    /// currentVersion: 5}. mongodump copies it and mongorestore refuses to restore users from a dump without it.
    /// </summary>
    public static void RecordAuthSchema(ServerState server, WriteContext writes)
    {
        if (server.Catalog.Find("admin", "system.version")?.FindById("authSchema") != null) return;
        server.DocumentWriter.Insert("admin", "system.version", new BsonDocument { { "_id", "authSchema" }, { "currentVersion", 5 } }, writes);
    }

    private static BsonArray NormalizeRoles(BsonValue roles, string database)
    {
        if (roles is not BsonArray array) throw CommandFailure.TypeMismatch("'roles' must be an array");
        return new BsonArray(array.Select(r => r.IsString
            ? new BsonDocument { { "role", r.AsString }, { "db", database } }
            : r.AsBsonDocument));
    }

    private static BsonDocument CreateUser(CommandContext context)
    {
        var user = context.CommandValue.AsString;
        if (!context.Body.TryGetValue("pwd", out var pwd) || !pwd.IsString)
            throw CommandFailure.BadValue("Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db");
        var roles = NormalizeRoles(context.Body.GetValue("roles", new BsonArray()), context.Database);
        var stored = StoreUser(context.Server, context.Database, user, pwd.AsString, roles, context.Writes);
        if (context.Body.TryGetValue("customData", out var custom))
        {
            var users = context.Server.Catalog.Find("admin", "system.users")!;
            var recordId = users.FindById(stored["_id"])!.Value;
            var updated = new BsonDocument(stored).Add("customData", custom);
            context.Server.DocumentWriter.Update(users, recordId, stored, updated, true, context.Writes);
        }
        return new BsonDocument();
    }

    private static (Collection Users, long RecordId, BsonDocument Document) RequireUser(CommandContext context, string user)
    {
        var users = context.Server.Catalog.Find("admin", "system.users");
        var recordId = users?.FindById(context.Database + "." + user);
        if (recordId == null) throw new CommandFailure(11, "UserNotFound", $"User '{user}@{context.Database}' not found");
        return (users!, recordId.Value, Collection.Parse(users!.Records.Get(recordId.Value)));
    }

    private static BsonDocument DropUser(CommandContext context)
    {
        var (users, recordId, document) = RequireUser(context, context.CommandValue.AsString);
        context.Server.DocumentWriter.Delete(users, recordId, document, context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument GrantRolesToUser(CommandContext context)
    {
        var (users, recordId, document) = RequireUser(context, context.CommandValue.AsString);
        var roles = new BsonArray(document["roles"].AsBsonArray);
        foreach (var role in NormalizeRoles(context.Body.GetValue("roles", new BsonArray()), context.Database))
            if (!roles.Contains(role)) roles.Add(role);
        var updated = new BsonDocument(document) { ["roles"] = roles };
        context.Server.DocumentWriter.Update(users, recordId, document, updated, true, context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument UsersInfo(CommandContext context)
    {
        var wanted = Selection(context.CommandValue, context.Database, "user");
        var showCredentials = context.BoolArgument("showCredentials");
        var result = new BsonArray();
        var users = context.Server.Catalog.Find("admin", "system.users");
        foreach (var document in users?.Documents() ?? Enumerable.Empty<BsonDocument>())
        {
            if (!wanted(document)) continue;
            var info = new BsonDocument { { "_id", document["_id"] }, { "userId", document["userId"] }, { "user", document["user"] }, { "db", document["db"] } };
            if (document.TryGetValue("customData", out var custom)) info.Add("customData", custom);
            info.Add("roles", document["roles"]);
            if (showCredentials) info.Add("credentials", document["credentials"]);
            info.Add("mechanisms", new BsonArray(document["credentials"].AsBsonDocument.Names));
            result.Add(info);
        }
        return new BsonDocument("users", result);
    }

    private static BsonDocument CreateRole(CommandContext context)
    {
        var role = context.CommandValue.AsString;
        var roles = context.Server.Catalog.Find("admin", "system.roles");
        if (roles?.FindById(context.Database + "." + role) != null)
            throw new CommandFailure(51002, "Location51002", $"Role \"{role}@{context.Database}\" already exists");
        var document = new BsonDocument
        {
            { "_id", context.Database + "." + role }, { "role", role }, { "db", context.Database },
            { "privileges", context.Body.GetValue("privileges", new BsonArray()) },
            { "roles", NormalizeRoles(context.Body.GetValue("roles", new BsonArray()), context.Database) },
        };
        RecordAuthSchema(context.Server, context.Writes);
        context.Server.DocumentWriter.Insert("admin", "system.roles", document, context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument DropRole(CommandContext context)
    {
        var role = context.CommandValue.AsString;
        var roles = context.Server.Catalog.Find("admin", "system.roles");
        var recordId = roles?.FindById(context.Database + "." + role);
        if (recordId == null) throw new CommandFailure(31, "RoleNotFound", $"Role '{role}@{context.Database}' not found");
        context.Server.DocumentWriter.Delete(roles!, recordId.Value, Collection.Parse(roles!.Records.Get(recordId.Value)), context.Writes);
        return new BsonDocument();
    }

    private static BsonDocument RolesInfo(CommandContext context)
    {
        var wanted = Selection(context.CommandValue, context.Database, "role");
        var result = new BsonArray();
        var roles = context.Server.Catalog.Find("admin", "system.roles");
        foreach (var document in roles?.Documents() ?? Enumerable.Empty<BsonDocument>())
        {
            if (!wanted(document)) continue;
            var info = new BsonDocument { { "_id", document["_id"] }, { "role", document["role"] }, { "db", document["db"] }, { "isBuiltin", false }, { "roles", document["roles"] } };
            if (context.BoolArgument("showPrivileges")) info.Add("privileges", document["privileges"]);
            info.Add("inheritedRoles", document["roles"]);
            result.Add(info);
        }
        return new BsonDocument("roles", result);
    }

    /// <summary>usersInfo / rolesInfo selectors: 1 (this database), a name, {user|role, db}, an array of those, or {forAllDBs: true}.</summary>
    private static Func<BsonDocument, bool> Selection(BsonValue selector, string database, string nameField)
    {
        switch (selector)
        {
            case BsonDocument { } d when d.GetValue("forAllDBs", false).ToBoolean():
                return _ => true;
            case BsonDocument d:
                return doc => doc[nameField] == d[nameField] && doc["db"] == d.GetValue("db", database);
            case BsonString s:
                return doc => doc[nameField].AsString == s.Value && doc["db"].AsString == database;
            case BsonArray array:
                var parts = array.Select(v => Selection(v, database, nameField)).ToList();
                return doc => parts.Any(p => p(doc));
            default:
                return doc => doc["db"].AsString == database;
        }
    }
}
