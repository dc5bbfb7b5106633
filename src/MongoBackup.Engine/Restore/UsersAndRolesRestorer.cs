using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Restores the users and roles a dump holds in admin.system.users / admin.system.roles (or, from mongodump --db DB
/// --dumpDbUsersAndRoles, in DB/$admin.system.users / $admin.system.roles), for the databases the restore takes, each
/// into the database its collections go to (<see cref="UsersAndRolesTargets"/>): a renamed database's users and roles
/// are restored as the new database's, and the source-named database's are never written. An existing user or role of
/// the target is replaced only with -Drop; otherwise it is kept and reported.
/// </summary>
public sealed class UsersAndRolesRestorer(IMongoClient client, IEngineObserver observer)
{
    /// <summary>
    /// Restores the users and roles of the databases <paramref name="targets"/> takes, into their target databases; returns
    /// how many of each were created (or replaced, with <paramref name="replaceExisting"/>). An existing one kept is reported as a warning.
    /// </summary>
    public async Task<(long Users, long Roles)> RestoreAsync(
        IDumpReader reader, UsersAndRolesTargets targets, bool replaceExisting, CancellationToken ct)
    {
        var wanted = reader.Namespaces
            .Where(ns => RestorePlanner.IsAuthCollection(ns) && AuthCollectionOf(ns) is "system.users" or "system.roles")
            .ToList();
        if (wanted.Count == 0)
        {
            observer.Warning($"{reader.Location} holds no users or roles to restore.");
            return (0, 0);
        }

        long users = 0, roles = 0;
        var admin = client.GetDatabase("admin");
        await reader.ReadAsync(wanted, async (ns, documents) =>
        {
            var target = admin.GetCollection<BsonDocument>(AuthCollectionOf(ns));
            // Read whole before any is applied: a snapshot's file is checked as it is read, at its end (each stored byte
            // read once), and no user or role from a file found damaged or altered may reach the server. They are few.
            var read = new List<BsonDocument>();
            await foreach (var raw in documents.WithCancellation(ct)) read.Add(BsonSerializer.Deserialize<BsonDocument>(raw));
            foreach (var document in read)
            {
                var database = document.GetValue("db", "").AsString;
                if (targets.TargetOf(database) is not { } into) continue;
                var restored = AuthDocumentRename.Rename(document, database, into);
                if (!ReferenceEquals(restored, document)) observer.Verbose($"{document["_id"]} is restored as {restored["_id"]} ({database} is restored as {into}).");
                if (await PutAsync(target, restored, replaceExisting, ct))
                {
                    if (AuthCollectionOf(ns) == "system.users") Interlocked.Increment(ref users);
                    else Interlocked.Increment(ref roles);
                }
            }
        }, 1, ct);
        // The server caches users and roles; without this a restored user could not log in until it expires.
        await admin.RunCommandAsync<BsonDocument>(new BsonDocument("invalidateUserCache", 1), cancellationToken: ct);
        return (users, roles);
    }

    /// <summary>The admin collection a dump's auth namespace stands for: "system.users" for admin.system.users and for DB.$admin.system.users.</summary>
    private static string AuthCollectionOf(DumpNamespace ns) =>
        ns.Collection.StartsWith(RestorePlanner.DatabaseAuthPrefix, StringComparison.Ordinal)
            ? ns.Collection[RestorePlanner.DatabaseAuthPrefix.Length..] : ns.Collection;

    private async Task<bool> PutAsync(IMongoCollection<BsonDocument> target, BsonDocument document, bool replaceExisting, CancellationToken ct)
    {
        var id = document["_id"];
        var exists = await target.Find(new BsonDocument("_id", id)).AnyAsync(ct);
        if (exists && !replaceExisting)
        {
            observer.Warning($"{id} already exists on the target and was kept; use -Drop to replace it with the backed-up definition.");
            return false;
        }
        await target.ReplaceOneAsync(new BsonDocument("_id", id), document, new ReplaceOptions { IsUpsert = true }, ct);
        return true;
    }
}
