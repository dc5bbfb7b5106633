using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// local.oplog.rs: a capped collection of entries shaped as MongoDB 7.0 writes them. An entry is encoded before it
/// takes the append lock; under that one short critical section it gets ts (strictly increasing) and wall, is stored
/// and the oldest entries past the size cap are dropped, so entries sit in ts order even when inserts into different
/// collections run concurrently. Each append signals tailable cursors awaiting data.
/// </summary>
internal sealed class ReplicationLog : IOplogSink
{
    public const string Database = "local";
    public const string CollectionName = "oplog.rs";

    private readonly DataLock _dataLock;
    private readonly object _appendSync = new();
    private readonly OplogClock _clock = new();
    private readonly long _maxBytes;
    private BsonTimestamp _lastTimestamp = new(0, 0);

    public ReplicationLog(Catalog catalog, int sizeMegabytes)
    {
        _dataLock = catalog.Lock;
        _maxBytes = (long)sizeMegabytes * 1024 * 1024;
        Collection = catalog.Add(Database, CollectionName, CollectionKind.Collection,
            new BsonDocument { { "capped", true }, { "size", CatalogWriter.CappedSize(_maxBytes) }, { "autoIndexId", false } });
        LastWall = DateTime.UtcNow;
    }

    public Collection Collection { get; }

    /// <summary>ts of the newest entry; safe to read while inserts append concurrently.</summary>
    public BsonTimestamp LastTimestamp => Volatile.Read(ref _lastTimestamp);
    public DateTime LastWall { get; private set; }

    /// <summary>The optime document {ts, t} of the newest entry.</summary>
    public BsonDocument LastOpTime => new() { { "ts", LastTimestamp }, { "t", 1L } };

    /// <summary>Stamps and appends one entry given without ts/t/v/wall.</summary>
    public void Write(BsonDocument entry) => Append(entry);

    public void WriteInsert(Collection collection, ReadOnlyMemory<byte> document)
    {
        if (InsertEntryEncoder.TryEncode(collection.Namespace, collection.UuidValue.Bytes, document, out var encoded)) Append(encoded);
        else Append(IOplogSink.InsertEntry(collection, document));
    }

    public void Append(BsonDocument entry) => Append(OplogEntryEncoder.Encode(entry));

    private void Append(EncodedOplogEntry encoded)
    {
        lock (_appendSync)
        {
            var ts = _clock.Next();
            var wall = DateTime.UtcNow;
            encoded.Stamp(ts, wall);
            // "local" cannot be dropped through our dropDatabase, so the collection outlives every test's cleanup.
            if (!encoded.SharedDocument.IsEmpty)
                Collection.AppendWithoutId(encoded.Bytes, encoded.DocumentOffset, encoded.SharedDocument);
            else
                Collection.AppendWithoutId(encoded.Bytes);
            Collection.EnforceCap(_maxBytes, 0);
            LastWall = wall;
            Volatile.Write(ref _lastTimestamp, ts);
        }
        _dataLock.NotifyWrite();
    }
}
