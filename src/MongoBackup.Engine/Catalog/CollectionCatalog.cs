using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Catalog;

/// <summary>Lists what a filter selects on a server: databases, collections, views and timeseries, with their indexes.</summary>
public static class CollectionCatalog
{
    // Internal collections MongoDB maintains itself; mongodump skips them too.
    private static readonly HashSet<string> InternalCollections =
        ["system.profile", "system.indexes", "system.views", "system.js.cache", "system.sessions", "system.users", "system.roles", "system.version"];

    /// <summary>
    /// Every database name the server lists (listDatabases, nameOnly), system databases included, in the server's order.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ListDatabasesAsync(IMongoClient client, CancellationToken ct)
    {
        using var cursor = await client.ListDatabaseNamesAsync(ct);
        return await cursor.ToListAsync(ct);
    }

    /// <summary>
    /// The collections, views and time-series collections <paramref name="filter"/> selects, ordered by database then name,
    /// each with its listCollections options and listIndexes specs. Internal collections (system.profile, system.views,
    /// system.buckets.*, the auth collections, local.oplog.*) are left out, as mongodump leaves them, and so are the module's
    /// own (<see cref="ModuleCollections"/>).
    /// </summary>
    /// <param name="namedMustExist">
    /// Whether a database the filter names must be on this server: false for one shard of a cluster, which holds only the
    /// databases it has chunks or the primary of (the cluster's list is checked once, <see cref="RequireNamedDatabases"/>).
    /// </param>
    /// <exception cref="MongoBackupException">DatabaseNotFound: a -Database pattern without wildcards names a database the
    /// server does not have (the message lists those it has).</exception>
    public static async Task<IReadOnlyList<SourceCollection>> ListAsync(IMongoClient client, NamespaceFilter filter, CancellationToken ct, bool namedMustExist = true)
    {
        var databases = await ListDatabasesAsync(client, ct);
        filter = filter.PreferringExactNames(databases.Select(d => (d, "")));
        if (namedMustExist) RequireNamedDatabases(filter, databases);

        var result = new List<SourceCollection>();
        foreach (var database in databases.Where(filter.IncludesDatabase).Order(StringComparer.Ordinal))
            result.AddRange(await ListDatabaseAsync(client.GetDatabase(database), filter, ct));
        return result;
    }

    /// <summary>
    /// The collections, views and time-series collections of the one database <paramref name="database"/> that
    /// <paramref name="filter"/> selects, as <see cref="ListAsync"/> lists each database's; empty when the filter does not
    /// take the database. A cluster backup lists admin so through its mongos, which serves admin from the config servers.
    /// </summary>
    public static async Task<IReadOnlyList<SourceCollection>> ListDatabaseAsync(IMongoClient client, string database, NamespaceFilter filter, CancellationToken ct) =>
        filter.IncludesDatabase(database) ? (await ListDatabaseAsync(client.GetDatabase(database), filter, ct)).ToList() : [];

    /// <summary>Refuses a filter naming (without wildcards) a database that <paramref name="databases"/> (a server's or a cluster's list) lacks.</summary>
    /// <exception cref="MongoBackupException">DatabaseNotFound, listing the databases there are.</exception>
    public static void RequireNamedDatabases(NamespaceFilter filter, IReadOnlyList<string> databases)
    {
        filter = filter.PreferringExactNames(databases.Select(d => (d, "")));
        var missing = filter.Databases.Where(p => !p.HasWildcards).Select(p => p.Pattern).Where(n => !databases.Contains(n)).ToList();
        if (missing.Count > 0)
            throw new MongoBackupException(ErrorIds.DatabaseNotFound,
                (missing.Count == 1 ? $"Database '{missing[0]}' does not exist" : $"Databases '{string.Join("', '", missing)}' do not exist") +
                $" on the server (it has: {string.Join(", ", databases)}).",
                target: missing[0]);
    }

    private static async Task<IEnumerable<SourceCollection>> ListDatabaseAsync(IMongoDatabase db, NamespaceFilter filter, CancellationToken ct)
    {
        var name = db.DatabaseNamespace.DatabaseName;
        using var cursor = await db.ListCollectionsAsync(cancellationToken: ct);
        var entries = await cursor.ToListAsync(ct);
        filter = filter.PreferringExactNames(entries.Select(e => (name, e["name"].AsString)));
        var collections = new List<SourceCollection>();
        foreach (var entry in entries.OrderBy(e => e["name"].AsString, StringComparer.Ordinal))
        {
            var collection = entry["name"].AsString;
            if (InternalCollections.Contains(collection) || TimeseriesBuckets.IsBuckets(collection)) continue;
            // The module's own records (a restore's, kept in the database it failed into) are its bookkeeping, not data.
            if (ModuleCollections.IsModuleOwned(collection)) continue;
            if (name == "local" && collection.StartsWith("oplog.", StringComparison.Ordinal)) continue;
            // The cluster's signing keys are the server's own; mongodump skips them too (mongodump/prepare.go, shouldSkipSystemNamespace).
            if (name == "admin" && collection == "system.keys") continue;
            if (!filter.Includes(name, collection)) continue;

            var kind = CollectionKinds.FromTypeName(entry.GetValue("type", "collection").AsString);
            var options = entry.GetValue("options", new BsonDocument()).AsBsonDocument;
            var uuid = entry.TryGetValue("info", out var info) && info.AsBsonDocument.TryGetValue("uuid", out var u)
                ? Convert.ToHexString(u.AsBsonBinaryData.Bytes).ToLowerInvariant() : null;
            var indexes = kind == CollectionKind.View ? [] : await ListIndexesAsync(db, collection, ct);
            collections.Add(new SourceCollection(name, collection, kind, options, uuid, indexes));
        }
        return collections;
    }

    private static async Task<IReadOnlyList<BsonDocument>> ListIndexesAsync(IMongoDatabase db, string collection, CancellationToken ct)
    {
        try
        {
            using var cursor = await db.GetCollection<BsonDocument>(collection).Indexes.ListAsync(ct);
            return await cursor.ToListAsync(ct);
        }
        catch (MongoCommandException e) when (e.Code == 26)
        {
            return []; // dropped between listCollections and listIndexes: a hot backup sees the server move.
        }
    }
}
