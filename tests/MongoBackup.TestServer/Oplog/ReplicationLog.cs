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
    public BsonDocument LastOpTime => OpTime(LastTimestamp);

    private (BsonTimestamp Ts, DateTime Wall)? _heldCommitPoint;

    /// <summary>
    /// The majority commit point: the newest entry a majority of the set holds, which no rollback can take back. hello reports
    /// it as lastWrite.majorityOpTime (ReplicationCoordinatorImpl::_makeIsMasterResponse: the current committed snapshot's
    /// optime) and replSetGetStatus as optimes.lastCommittedOpTime. In a set of one member every write is on a majority as it is
    /// written, so the point follows the newest entry, unless a test holds it back (<see cref="HoldCommitPoint"/>), as a
    /// primary whose secondaries lag or are gone sees it.
    /// </summary>
    public (BsonTimestamp Ts, DateTime Wall) CommitPoint
    {
        get
        {
            lock (_appendSync) return _heldCommitPoint ?? (LastTimestamp, LastWall);
        }
    }

    /// <summary>Holds the majority commit point at the newest entry now: later writes are not majority-committed until <see cref="ReleaseCommitPoint"/>.</summary>
    public void HoldCommitPoint()
    {
        lock (_appendSync) _heldCommitPoint = (LastTimestamp, LastWall);
    }

    /// <summary>Lets the commit point follow the newest entry again (the lagging members caught up); wakes tailing cursors.</summary>
    public void ReleaseCommitPoint()
    {
        lock (_appendSync) _heldCommitPoint = null;
        _dataLock.NotifyWrite();
    }

    /// <summary>
    /// A rollback (a primary that lost its majority rejoins the set): every entry after <paramref name="commonPoint"/> is
    /// truncated, as rollback truncates the oplog after the common point it finds with its sync source (docs: "Rollbacks During
    /// Replica Set Failover"; src/mongo/db/repl/rollback_impl.cpp), and the clock goes back to it, so the entries the new history
    /// writes next may take the very timestamps of those rolled back. A held commit point past it comes back to it. The caller
    /// holds the data lock exclusively.
    /// </summary>
    public void RollBackTo(BsonTimestamp commonPoint)
    {
        lock (_appendSync)
        {
            var after = Collection.Records.Scan(long.MaxValue, forward: false)
                .TakeWhile(r => TimestampOf(r.Bytes) > commonPoint).Select(r => r.Id).ToList();
            foreach (var id in after) Collection.Records.Remove(id);
            var newest = Collection.Records.Scan(long.MaxValue, forward: false).Select(r => Storage.Collection.Parse(r.Bytes)).FirstOrDefault()
                ?? throw new InvalidOperationException($"a rollback to {commonPoint} would leave the oplog empty");
            var wall = newest["wall"].ToUniversalTime();
            _clock.RewindTo(newest["ts"].AsBsonTimestamp);
            Volatile.Write(ref _lastTimestamp, newest["ts"].AsBsonTimestamp);
            LastWall = wall;
            if (_heldCommitPoint is { } held && held.Ts > commonPoint) _heldCommitPoint = (newest["ts"].AsBsonTimestamp, wall);
        }
    }

    private static BsonTimestamp TimestampOf(ReadOnlyMemory<byte> entry)
    {
        using var document = new StoredBsonDocument(entry);
        return document["ts"].AsBsonTimestamp;
    }

    /// <summary>Advances the clock past a cluster time gossiped by another member (see <see cref="OplogClock.Witness"/>).</summary>
    public void Witness(BsonTimestamp clusterTime)
    {
        lock (_appendSync) _clock.Witness(clusterTime);
    }

    /// <summary>Stamps and appends one entry given without ts/t/v/wall.</summary>
    public void Write(BsonDocument entry) => Append(entry);

    public void WriteInsert(Collection collection, ReadOnlyMemory<byte> document)
    {
        if (InsertEntryEncoder.TryEncode(collection.NamespaceUtf8, collection.UuidValue.Bytes, document, out var encoded)) Append(encoded);
        else Append(IOplogSink.InsertEntry(collection, document));
    }

    public void Append(BsonDocument entry) => Append(OplogEntryEncoder.Encode(entry));

    /// <summary>
    /// Appends <paramref name="entries"/> (given without ts/t/v/wall/prevOpTime) as one group, the way MongoDB writes a
    /// transaction's applyOps chain: consecutive timestamps, one wall time for all, and each entry's prevOpTime the optime
    /// of the one before it (the first gets <paramref name="firstPrevOpTime"/>). When an entry would exceed the BSON limit
    /// nothing is written and <paramref name="tooLarge"/> (given the entry's size) is thrown. Returns the timestamps and the wall.
    /// <paramref name="slotsBefore"/> timestamps are taken and left unused before the first entry: a retryable findAndModify
    /// reserves two slots and logs at the later one (collection_write_path.cpp, reserveOplogSlotsForRetryableFindAndModify).
    /// </summary>
    public (IReadOnlyList<BsonTimestamp> Timestamps, DateTime Wall) AppendChain(IReadOnlyList<BsonDocument> entries,
        BsonDocument firstPrevOpTime, Func<long, CommandFailure> tooLarge, int slotsBefore = 0)
    {
        var timestamps = new BsonTimestamp[entries.Count];
        DateTime wall;
        lock (_appendSync)
        {
            wall = DateTime.UtcNow;
            for (var i = 0; i < slotsBefore; i++) _clock.Next();
            var encoded = new EncodedOplogEntry[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                timestamps[i] = _clock.Next();
                entries[i]["prevOpTime"] = i == 0 ? firstPrevOpTime : OpTime(timestamps[i - 1]);
                encoded[i] = OplogEntryEncoder.Encode(entries[i]);
                if (encoded[i].Size > MaxEntryBytes) throw tooLarge(encoded[i].Size);
            }
            for (var i = 0; i < encoded.Length; i++) Store(encoded[i], timestamps[i], wall);
        }
        _dataLock.NotifyWrite();
        return (timestamps, wall);
    }

    /// <summary>Appends an entry encoded beforehand, prevOpTime included (see <see cref="GroupedInsertEncoder"/>); returns its ts.</summary>
    public BsonTimestamp AppendEncoded(EncodedOplogEntry encoded, Func<long, CommandFailure> tooLarge)
    {
        if (encoded.Size > MaxEntryBytes) throw tooLarge(encoded.Size);
        BsonTimestamp ts;
        lock (_appendSync)
        {
            ts = _clock.Next();
            Store(encoded, ts, DateTime.UtcNow);
        }
        _dataLock.NotifyWrite();
        return ts;
    }

    /// <summary>{ts, t} as oplog entries and config.transactions write an optime.</summary>
    public static BsonDocument OpTime(BsonTimestamp ts) => new() { { "ts", ts }, { "t", 1L } };

    /// <summary>
    /// The largest oplog entry: BSONObjMaxInternalSize, 16 MiB of user data plus 16 KiB for the entry's own fields
    /// (bson/util/builder.h); an entry is built as a BSONObj, which refuses anything larger.
    /// </summary>
    public const int MaxEntryBytes = 16 * 1024 * 1024 + 16 * 1024;

    private void Append(EncodedOplogEntry encoded)
    {
        // Documents are limited to 16 MiB before they are written, so a single write's entry always fits: reaching this
        // is a bug of the server, not a client error.
        if (encoded.Size > MaxEntryBytes)
            throw new InvalidOperationException($"an oplog entry of {encoded.Size} bytes exceeds the {MaxEntryBytes}-byte BSON limit");
        lock (_appendSync) Store(encoded, _clock.Next(), DateTime.UtcNow);
        _dataLock.NotifyWrite();
    }

    /// <summary>Called holding the append lock.</summary>
    private void Store(EncodedOplogEntry encoded, BsonTimestamp ts, DateTime wall)
    {
        encoded.Stamp(ts, wall);
        // "local" cannot be dropped through our dropDatabase, so the collection outlives every test's cleanup.
        if (encoded.Spliced is { } spliced)
            Collection.AppendWithoutId(encoded.Bytes, spliced);
        else
            Collection.AppendWithoutId(encoded.Bytes);
        Collection.EnforceCap(_maxBytes, 0);
        LastWall = wall;
        Volatile.Write(ref _lastTimestamp, ts);
        Commands.OperationTimeScope.Observe(ts);
    }
}
