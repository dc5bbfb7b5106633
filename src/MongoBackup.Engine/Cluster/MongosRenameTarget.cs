using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Where a renameCollection replayed through a mongos lands. On a replica set a rename into a database that does not
/// exist creates it (applyOps and the command alike); through a mongos it does not: the rename coordinator reads the
/// target database from the sharding catalog and answers NamespaceNotFound "database X not found"
/// (sharding_ddl_util.cpp checkDbPrimariesOnTheSameShard, 5.0 to 7.x; rename_collection_coordinator.cpp
/// checkDatabaseRestrictions, 8.0), and a target database on another primary shard than the source's is CommandFailed
/// "Source and destination collections must be on same shard". So before a rename across databases whose target
/// database the cluster does not know, that database is created on the source's primary shard (enableSharding
/// {primaryShard}, MongoDB 4.0.14+), as the rename would create it on a replica set; a target database already on
/// another primary is left to mongos to refuse, since moving a database's primary is the DBA's decision. The reads and
/// the creation are the restore's <see cref="RestoreDatabases"/> (so a database made here counts as the restore's),
/// untranslated: a refusal is the replay's to report, naming the entry.
/// </summary>
/// <param name="client">The mongos.</param>
/// <param name="databases">The databases the restore creates.</param>
public sealed class MongosRenameTarget(IMongoClient client, RestoreDatabases databases)
{
    /// <summary>
    /// Before the rename of <paramref name="from"/> to <paramref name="to"/> (full namespaces, as the command names
    /// them): across databases, with the source collection there, creates the target database on the source database's
    /// primary shard when the cluster does not know it. Nothing otherwise.
    /// </summary>
    public async Task PrepareAsync(string from, string to, CancellationToken ct)
    {
        var fromDatabase = DatabaseOf(from);
        var toDatabase = DatabaseOf(to);
        if (fromDatabase == toDatabase) return;
        if (await databases.PrimaryShardAsync(toDatabase, ct) is not null) return;
        if (await databases.PrimaryShardAsync(fromDatabase, ct) is not { } primary || !await ExistsAsync(from, ct)) return;
        await databases.CreateAsync(toDatabase, primary, ct);
    }

    /// <summary>Whether the cluster holds the collection <paramref name="ns"/> (listCollections on its database through mongos).</summary>
    public async Task<bool> ExistsAsync(string ns, CancellationToken ct)
    {
        var name = ns[(ns.IndexOf('.') + 1)..];
        var options = new ListCollectionNamesOptions { Filter = new BsonDocument("name", name) };
        using var cursor = await client.GetDatabase(DatabaseOf(ns)).ListCollectionNamesAsync(options, ct);
        return (await cursor.ToListAsync(ct)).Count > 0;
    }

    private static string DatabaseOf(string ns) => ns[..ns.IndexOf('.')];
}
