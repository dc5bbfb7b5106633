using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Writes oplog slices holding given entries (forms taken from real captures) after a repository's chain, with the
/// engine's own slice writer, so a point-in-time restore can be tested on oplog forms the test server does not write.
/// Timestamps are handed out after the chain's end, one second apart.
/// </summary>
public sealed class HandWrittenSlices(ISnapshotRepository repository, ConnectionSettings connection)
{
    private OplogTimestamp? _last;

    /// <summary>The timestamp the next entry gets (after everything the repository holds).</summary>
    public async Task<OplogTimestamp> NextTimestampAsync()
    {
        var after = _last ?? await ChainEndAsync();
        var next = new OplogTimestamp(after.Seconds + 1, 1);
        _last = next;
        return next;
    }

    /// <summary>Stamps an entry with the next timestamp and its wall time.</summary>
    public async Task<BsonDocument> StampAsync(BsonDocument entry)
    {
        var ts = await NextTimestampAsync();
        var stamped = entry.DeepClone().AsBsonDocument;
        stamped["ts"] = ts.ToBsonTimestamp();
        stamped["t"] = 1L;
        stamped["wall"] = new BsonDateTime(ts.WallTime.UtcDateTime);
        return stamped;
    }

    /// <summary>
    /// Stamps a transaction's entries in order and links each one's prevOpTime to the entry before it (the first
    /// keeps the null optime {ts: Timestamp(0, 0), t: -1}), as the server chains them.
    /// </summary>
    public async Task<List<BsonDocument>> StampChainAsync(IEnumerable<BsonDocument> entries)
    {
        var stamped = new List<BsonDocument>();
        foreach (var entry in entries)
        {
            var next = await StampAsync(entry);
            next["prevOpTime"] = stamped.Count == 0
                ? new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } }
                : new BsonDocument { { "ts", stamped[^1]["ts"] }, { "t", 1L } };
            stamped.Add(next);
        }
        return stamped;
    }

    /// <summary>Writes one slice holding <paramref name="entries"/> (already stamped, in order) after the chain's end.</summary>
    public async Task<SnapshotManifest> WriteAsync(IEnumerable<BsonDocument> entries)
    {
        var topology = await TopologyAsync();
        var catalog = new SnapshotCatalog(repository);
        var previous = await SliceChainEnd.FindAsync(catalog, topology, NullObserver.Instance, CancellationToken.None);
        await using var slice = await OpenSlice.StartAsync(new OplogSliceRequest { Connection = connection, Repository = repository },
            topology, catalog, previous, gap: null, NullObserver.Instance.Warning, CancellationToken.None);
        foreach (var entry in entries)
        {
            using var raw = new RawBsonDocument(entry.ToBson());
            await slice.AppendAsync(raw, ConsistencyPoint.OfEntry(entry));
        }
        return await slice.CloseAsync(CancellationToken.None);
    }

    private async Task<OplogTimestamp> ChainEndAsync() =>
        await SliceChainEnd.FindAsync(repository, await TopologyAsync(), NullObserver.Instance, CancellationToken.None);

    private async Task<ServerTopology> TopologyAsync()
    {
        using var source = MongoConnection.Open(connection);
        return await ServerTopology.DiscoverAsync(source.Client, CancellationToken.None);
    }
}
