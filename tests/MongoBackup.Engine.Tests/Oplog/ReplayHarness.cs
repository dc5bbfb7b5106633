using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Replays oplog entries through the engine's replay path, as a restore does, and builds the indexes it deferred.
/// <c>held</c> names the source namespaces a restore's dump would hold: each is created on the target (under its mapped
/// name) and seeded into the replay's state, as a restore seeds it with what it restored. A write to any other
/// namespace is one to a collection gone before the dump was taken, which a replay leaves out.
/// </summary>
public static class ReplayHarness
{
    public static Task<OplogReplayOutcome> ReplayAsync(IMongoClient client, IEnumerable<BsonDocument> entries, NamespaceMap map,
        IEnumerable<string> held, OplogLimit? limit = null) =>
        ReplayAsync(client, [new OplogSegment("entries", ToAsync(entries.Select(e => e.ToBson()))) { Limit = limit }], ReplayCoverage.Everything, map, held);

    public static Task<OplogReplayOutcome> ReplayAsync(IMongoClient client, IAsyncEnumerable<byte[]> entries, NamespaceFilter filter, NamespaceMap map,
        IEnumerable<string> held) =>
        ReplayAsync(client, [new OplogSegment("entries", entries)], new ReplayCoverage(SnapshotScope.Whole, filter), map, held);

    public static async Task<OplogReplayOutcome> ReplayAsync(IMongoClient client, IReadOnlyList<OplogSegment> segments, ReplayCoverage coverage,
        NamespaceMap map, IEnumerable<string> held)
    {
        var state = new ReplayState();
        foreach (var ns in held)
        {
            var (db, collection) = map.Map(ns[..ns.IndexOf('.')], ns[(ns.IndexOf('.') + 1)..]);
            var existing = await (await client.GetDatabase(db).ListCollectionNamesAsync(new ListCollectionNamesOptions { Filter = new BsonDocument("name", collection) })).ToListAsync();
            if (existing.Count == 0) await client.GetDatabase(db).CreateCollectionAsync(collection);
            state.Holds(ns[..ns.IndexOf('.')] + "." + SystemCollections.OwnerOf(ns[(ns.IndexOf('.') + 1)..]));
        }
        var outcome = await new OplogReplayer(client, new OplogEntryRewriter(coverage, map, state), state, new RecordingObserver()).ReplayAsync(segments, CancellationToken.None);
        var indexes = new IndexRestorer(client);
        foreach (var (ns, onBuckets, specs) in state.Indexes.Pending)
        {
            var dot = ns.IndexOf('.');
            var (db, collection) = map.Map(ns[..dot], ns[(dot + 1)..]);
            await indexes.CreateAsync(db, onBuckets ? TimeseriesBuckets.Of(collection) : collection, specs, CancellationToken.None);
        }
        return outcome;
    }

    /// <summary>The documents of "db.coll", in _id order.</summary>
    public static async Task<List<BsonDocument>> DocumentsAsync(IMongoClient client, string ns)
    {
        var dot = ns.IndexOf('.');
        return await client.GetDatabase(ns[..dot]).GetCollection<BsonDocument>(ns[(dot + 1)..])
            .Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
    }

    public static async IAsyncEnumerable<byte[]> ToAsync(IEnumerable<byte[]> entries)
    {
        foreach (var entry in entries) yield return entry;
        await Task.CompletedTask;
    }
}
