using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Builds a namespace's secondary indexes once its data is in (faster than maintaining them during the inserts, and
/// after any oplog replay, which an index could refuse part of: see Oplog.Replay.DeferredIndexes), from the specs as
/// they were dumped or logged, so that every option survives; all but their index version ("v"), unless
/// <paramref name="keepIndexVersion"/>: as mongorestore does without --keepIndexVersion (mongo-tools 100.11
/// mongorestore/metadata.go, CreateIndexes), the server builds each at its own default version (v2 since MongoDB 3.4),
/// so an old dump's v:1 index is built as a current one and a v:0 one, which no server since 3.2 creates, still builds
/// (src/mongo/db/catalog/index_key_validate.cpp, isIndexVersionAllowedForCreation).
/// </summary>
/// <param name="client">The target server.</param>
/// <param name="keepIndexVersion">-KeepIndexVersion: send each spec's "v" as the dump holds it.</param>
public sealed class IndexRestorer(IMongoClient client, bool keepIndexVersion = false)
{
    /// <summary>
    /// Creates <paramref name="specs"/> (the dump's listIndexes specs, or those of createIndexes and commitIndexBuild
    /// entries) on the target collection in one createIndexes; returns how many.
    /// </summary>
    /// <exception cref="MongoCommandException">The server refused the indexes (a unique index over duplicates, say).</exception>
    public async Task<int> CreateAsync(string database, string collection, IReadOnlyList<BsonDocument> specs, CancellationToken ct)
    {
        if (specs.Count == 0) return 0;
        var db = client.GetDatabase(database);
        var collectionHasCollation = HasNonSimpleCollation(await OptionsAsync(db, collection, ct));
        var command = new BsonDocument
        {
            { "createIndexes", collection }, { "indexes", new BsonArray(specs.Select(s => Clean(s, collectionHasCollation, keepIndexVersion))) },
        };
        // Specs dumped from old servers may hold options today's refuse, the whole command with them ("safe", which
        // drivers before MongoDB 3.4 wrote into specs: InvalidIndexSpecificationOption, src/mongo/db/catalog/
        // index_key_validate.h). The server drops them when asked, as mongorestore asks servers from 4.1.9 on
        // (mongo-tools, mongorestore/metadata.go); older ones do not know the option.
        if (KnowsIgnoreUnknownIndexOptions(client)) command.Add("ignoreUnknownIndexOptions", true);
        await db.RunCommandAsync<BsonDocument>(command, cancellationToken: ct);
        return specs.Count;
    }

    /// <summary>
    /// Drops what old servers wrote into specs and new ones refuse (the namespace they were built on), and the index
    /// version unless it is kept. On a collection
    /// with a default collation, a spec without one is an index built with the simple collation: MongoDB stores an
    /// inherited collation in the spec, and lists and logs (createIndexes, commitIndexBuild) a simple one as none.
    /// Sent as it is, it would inherit the collection's and a unique index could refuse what it held, so it gets
    /// {locale: "simple"}, as mongorestore sends it (mongo-tools common/idx, IndexCatalog.GetIndexes).
    /// </summary>
    private static BsonDocument Clean(BsonDocument spec, bool collectionHasCollation, bool keepIndexVersion)
    {
        var copy = spec.DeepClone().AsBsonDocument;
        copy.Remove("ns");
        if (!keepIndexVersion) copy.Remove("v");
        if (collectionHasCollation && !copy.Contains("collation")) copy["collation"] = new BsonDocument("locale", "simple");
        return copy;
    }

    /// <summary>
    /// The target collection's options: the restore created it from the dump's metadata or from a replayed create,
    /// or it was there already; the indexes inherit whatever default collation it has now.
    /// </summary>
    private static async Task<BsonDocument?> OptionsAsync(IMongoDatabase db, string collection, CancellationToken ct)
    {
        var options = new ListCollectionsOptions { Filter = new BsonDocument("name", collection) };
        using var cursor = await db.ListCollectionsAsync(options, ct);
        var listed = await cursor.FirstOrDefaultAsync(ct);
        return listed?.GetValue("options", BsonNull.Value) as BsonDocument;
    }

    /// <summary>True when the servers written to speak wire version 8 (MongoDB 4.2) or later, which know ignoreUnknownIndexOptions.</summary>
    internal static bool KnowsIgnoreUnknownIndexOptions(IMongoClient client) =>
        client.Cluster.Description.Servers.Where(s => s.State == MongoDB.Driver.Core.Servers.ServerState.Connected && s.WireVersionRange is not null)
            .All(s => s.WireVersionRange.Max >= 8);

    private static bool HasNonSimpleCollation(BsonDocument? options) =>
        options is not null && options.TryGetValue("collation", out var collation)
        && collation is BsonDocument c && c.GetValue("locale", BsonNull.Value) != "simple";
}
