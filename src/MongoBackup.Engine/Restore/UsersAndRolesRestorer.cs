using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Restores the users and roles a dump holds in admin.system.users / admin.system.roles (or, from mongodump --db DB
/// --dumpDbUsersAndRoles, in DB/$admin.system.users / $admin.system.roles), for the databases the restore takes, each
/// into the database its collections go to (<see cref="UsersAndRolesTargets"/>), as <see cref="UsersAndRolesRead"/> read
/// and renamed them before anything was written: a renamed database's users and roles are restored as the new
/// database's, and the source-named database's are never written. An existing user or role of the target is replaced
/// only with -Drop; otherwise it is kept and reported.
/// </summary>
public sealed class UsersAndRolesRestorer(IMongoClient client, IEngineObserver observer)
{
    /// <summary>
    /// Restores <paramref name="read"/>; returns how many users and roles were created (or replaced, with
    /// <paramref name="replaceExisting"/>). An existing one kept is reported as a warning, and so is one restored under
    /// its own name whose grants stay on databases the restore renames.
    /// </summary>
    /// <exception cref="MongoBackupException">Why they could not be read (<see cref="UsersAndRolesRead.Failure"/>).</exception>
    /// <exception cref="CorruptDumpException">A file damaged or altered (<see cref="UsersAndRolesRead.Failure"/>).</exception>
    public async Task<(long Users, long Roles)> RestoreAsync(string location, UsersAndRolesRead read, bool replaceExisting, CancellationToken ct)
    {
        if (read.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        if (read.LegacyUserLists.Count > 0)
            observer.Warning($"{location} holds {string.Join(", ", read.LegacyUserLists)}: per-database user lists of MongoDB 2.4 and " +
                "earlier, which are not restored (since MongoDB 2.6 users live in admin.system.users, and a server does not sign " +
                "anyone in from such a list). " + (read.NoneInDump ? "It holds no admin.system.users or system.roles, so no user or role is restored. " : "") +
                "Create those users on the target (createUser) if they are still needed.");
        if (read.NoneInDump)
        {
            if (read.LegacyUserLists.Count == 0) observer.Warning($"{location} holds no users or roles to restore.");
            return (0, 0);
        }
        if (read.LeftOut.Count > 0) WarnLeftOut(location, read.LeftOut);

        long users = 0, roles = 0;
        var admin = client.GetDatabase("admin");
        foreach (var document in read.Documents)
        {
            if (document.IsCopy) observer.Verbose($"{document.Source["_id"]} is restored as {document.Restored["_id"]} ({document.SourceDatabase} is restored as {document.Restored["db"]}).");
            if (document.KeptReferences.Count > 0) WarnKept(document);
            if (!await PutAsync(admin.GetCollection<BsonDocument>(document.Collection), document.Restored, replaceExisting, ct)) continue;
            if (document.IsUser) users++;
            else roles++;
        }
        // The server caches users and roles; without this a restored user could not log in until it expires.
        await admin.RunCommandAsync<BsonDocument>(new BsonDocument("invalidateUserCache", 1), cancellationToken: ct);
        return (users, roles);
    }

    /// <summary>
    /// Never a silent loss of users: those of databases outside the restore's selection are named, by database, with
    /// how to restore them (admin's above all, where users usually live).
    /// </summary>
    private void WarnLeftOut(string location, IReadOnlyList<LeftOutAuthDocument> leftOut)
    {
        const int NamedPerDatabase = 5;
        var each = leftOut.GroupBy(d => d.Database).OrderBy(g => g.Key == "admin" ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var users = g.Where(d => d.IsUser).Select(d => d.Name).ToList();
            var roles = g.Where(d => !d.IsUser).Select(d => d.Name).ToList();
            var parts = new[] { Named(users, "user", "users"), Named(roles, "role", "roles") }.Where(p => p.Length > 0);
            return $"{(g.Key.Length == 0 ? "(no database)" : g.Key)}'s {string.Join(" and ", parts)}";
        });
        var admin = leftOut.Any(d => d.Database == "admin")
            ? " admin's are restored with -Database admin (beside the databases you restore), or by a restore of every database (no -Database, or -Database '*')."
            : "";
        observer.Warning($"{location} holds users and roles of databases this restore does not take; they were not restored: {string.Join("; ", each)}. " +
            $"Add their databases to -Database to restore them.{admin}");

        static string Named(List<string> names, string one, string many) => names.Count == 0 ? "" :
            $"{(names.Count == 1 ? one : many)} {string.Join(", ", names.Take(NamedPerDatabase))}{(names.Count > NamedPerDatabase ? $" and {names.Count - NamedPerDatabase} more" : "")}";
    }

    private void WarnKept(AuthDocument document) =>
        observer.Warning(
            $"{document.Restored["_id"]} is restored under its own name, so it is the live server's {(document.IsUser ? "user" : "role")}, " +
            $"not a copy: its grants {string.Join(", ", document.KeptReferences.Select(r => r.Source))} are kept as the backup had them, " +
            $"not moved to the renamed copies ({string.Join(", ", document.KeptReferences.Select(r => r.Copy))}). " +
            "Grant it roles on the copies yourself if it needs them.");

    private async Task<bool> PutAsync(IMongoCollection<BsonDocument> target, BsonDocument document, bool replaceExisting, CancellationToken ct)
    {
        var id = document["_id"];
        var exists = await target.Find(new BsonDocument("_id", id)).AnyAsync(ct);
        if (exists && !replaceExisting)
        {
            // -Drop would replace it, but also drops every collection the restore takes: say so, and the narrower way.
            var user = target.CollectionNamespace.CollectionName == "system.users";
            observer.Warning($"The {(user ? "user" : "role")} {id} already exists on the target and was kept as it is. -Drop replaces it with " +
                "the backed-up definition, but -Drop also drops and re-creates every collection the restore takes; to replace only it, drop it " +
                $"on the target ({(user ? "dropUser" : "dropRole")}) and restore again with -IncludeUsersAndRoles.");
            return false;
        }
        await target.ReplaceOneAsync(new BsonDocument("_id", id), document, new ReplaceOptions { IsUpsert = true }, ct);
        return true;
    }
}
