using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// local.oplog.rs: a capped collection of entries shaped as MongoDB 7.0 writes them. Appending stamps
/// ts (strictly increasing), t, v and wall, drops the oldest entries past the size cap, and wakes
/// tailable cursors waiting on the data lock.
/// </summary>
internal sealed class ReplicationLog : IOplogSink
{
    public const string Database = "local";
    public const string CollectionName = "oplog.rs";

    private readonly Catalog _catalog;
    private readonly OplogClock _clock = new();
    private readonly long _maxBytes;

    public ReplicationLog(Catalog catalog, int sizeMegabytes)
    {
        _catalog = catalog;
        _maxBytes = (long)sizeMegabytes * 1024 * 1024;
        Collection = catalog.Add(Database, CollectionName, CollectionKind.Collection,
            new BsonDocument { { "capped", true }, { "size", CatalogWriter.CappedSize(_maxBytes) }, { "autoIndexId", false } });
        LastTimestamp = new BsonTimestamp(0, 0);
        LastWall = DateTime.UtcNow;
    }

    public Collection Collection { get; }
    public BsonTimestamp LastTimestamp { get; private set; }
    public DateTime LastWall { get; private set; }

    /// <summary>The optime document {ts, t} of the newest entry.</summary>
    public BsonDocument LastOpTime => new() { { "ts", LastTimestamp }, { "t", 1L } };

    /// <summary>Stamps and appends one entry; returns the stamped entry.</summary>
    public void Write(BsonDocument entry) => Append(entry);

    public BsonDocument Append(BsonDocument entry)
    {
        var ts = _clock.Next();
        var wall = DateTime.UtcNow;
        var stamped = new BsonDocument();
        foreach (var element in entry)
            if (element.Name is not ("ts" or "t" or "v" or "wall" or "prevOpTime")) stamped.Add(element);
        stamped.Add("ts", ts).Add("t", 1L).Add("v", 2L).Add("wall", new BsonDateTime(wall));
        if (entry.TryGetValue("prevOpTime", out var prev)) stamped.Add("prevOpTime", prev);
        // The oplog must survive a dropDatabase of "local" in tests of other code; recreate lazily is not needed:
        // "local" cannot be dropped through our dropDatabase.
        Collection.Insert(stamped);
        Collection.EnforceCap(_maxBytes, 0);
        LastTimestamp = ts;
        LastWall = wall;
        System.Threading.Monitor.PulseAll(_catalog.Sync);
        return stamped;
    }
}
