using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// The oplog entries of a retryable write: a command sent with lsid and txnNumber outside a transaction (the drivers
/// send every insert, update and delete that way on a replica set unless retryWrites=false). Forms, as MongoDB 8.0
/// writes them (mongo-tools' 8.0 captures mongorestore/testdata/oplogs/bson/vectored_insert.bson,
/// linked_vectored_inserts.bson and bypassDocumentValidation.bson), and 7.0 but for grouped inserts
/// (<paramref name="groupsInserts"/> false: 7.0 has no featureFlagReplicateVectoredInsertsTransactionally, so every
/// inserted document is a single write of its own, op_observer_impl.cpp onInserts; see <see cref="MongoDbVersion"/>):
/// <list type="bullet">
/// <item>a single write: its entry with the session in front and its statement behind,
/// {lsid, txnNumber, op, ns, ui, o, o2, stmtId, ts, t, v, wall, prevOpTime};</item>
/// <item>inserts: grouped as write_ops_exec.cpp groups them, up to internalInsertMaxBatchSize (64) documents or
/// insertVectorMaxBytes (256 KiB, the document that reaches it included) per group; a group of two or more is one
/// {lsid, txnNumber, op: "c", ns: "admin.$cmd", o: {applyOps: [{op: "i", ns, ui, o, o2, stmtId}, ...]}, ts, t, v, wall,
/// prevOpTime, multiOpType: 1} entry, "applied separately" (featureFlagReplicateVectoredInsertsTransactionally, on in
/// 8.0), split into entries linked by prevOpTime past 16 MiB of operations
/// (maxSizeOfBatchedOperationsInSingleOplogEntryBytes); a group of one is a single write. A group in which an insert
/// failed is logged one insert at a time, as MongoDB inserts such a group again one by one.</item>
/// </list>
/// Each entry's prevOpTime is the optime of the command's entry before it, the first one's the null optime
/// {ts: Timestamp(0, 0), t: -1}. A findAndModify's update or delete (<see cref="NeedsRetryImage"/>) carries
/// needsRetryImage: "preImage" or "postImage" between o2 and stmtId (oplog_entry.idl, DurableReplOperation's field order;
/// op_observer_impl.cpp onUpdate/onDelete), is logged at the later of two reserved timestamps (the earlier stays unused,
/// collection_write_path.cpp), and its image goes to config.image_collection, unlogged (<see cref="Sessions.ImageCollection"/>).
/// Not written: config.transactions records of retryable writes (the plain insert path runs concurrently on other
/// collections, and nothing here reads them: mongodump reads only records with a state). A statement sent again with the
/// same lsid and txnNumber is not logged again: the session's executed statements are answered without running
/// (insert, update, delete: <see cref="Sessions.RetryableWriteSessions"/>; findAndModify: <see cref="Sessions.FindAndModifyRetries"/>).
/// </summary>
internal sealed class RetryableWriteLog(ReplicationLog oplog, BsonDocument lsid, long txnNumber, Catalog catalog, bool groupsInserts) : IOplogSink
{
    private const int MaxGroupDocuments = 64;
    private const int MaxGroupBytes = 256 * 1024;
    private const int MaxOperationsBytes = 16 * 1024 * 1024;

    private readonly List<GroupedInsertEncoder.Insert> _group = [];
    private byte[]? _lsidBytes;
    private int _groupBytes;
    private bool _groupFailed;
    private OpTime _prevOpTime = OpTime.Null;

    private (string Kind, BsonDocument Image)? _retryImage;

    /// <summary>The statement (its stmtId) whose writes come next.</summary>
    public int StatementId { get; set; }

    /// <summary>The session id, uid included.</summary>
    public BsonDocument Lsid => lsid;

    public long TxnNumber => txnNumber;

    /// <summary>The ts of the entry this command logged last; null before it logged any.</summary>
    public BsonTimestamp? LastTimestamp => _prevOpTime.Ts is { Timestamp: not 0 } ts ? ts : null;

    /// <summary>
    /// The next update or delete logged is a findAndModify's: its entry carries needsRetryImage
    /// (<paramref name="kind"/>, "preImage" or "postImage") and <paramref name="image"/> is kept in config.image_collection.
    /// </summary>
    public void NeedsRetryImage(string kind, BsonDocument image) => _retryImage = (kind, image);

    public void Write(BsonDocument entry)
    {
        Flush();
        var single = Single(entry, StatementId);
        if (_retryImage is not { } retryImage)
        {
            Append(single);
            return;
        }
        _retryImage = null;
        single.InsertAt(single.IndexOfName("stmtId"), new BsonElement("needsRetryImage", retryImage.Kind));
        var (timestamps, _) = oplog.AppendChain([single], _prevOpTime.ToDocument(), TooLarge, slotsBefore: 1);
        _prevOpTime = OpTime.Of(timestamps[0]);
        Sessions.ImageCollection.Record(catalog, lsid, txnNumber, timestamps[0], retryImage.Kind, retryImage.Image);
    }

    public void WriteInsert(Collection collection, ReadOnlyMemory<byte> document)
    {
        if (!groupsInserts)
        {
            AppendSingleInsert(collection, document, StatementId); // 7.0: an entry per document
            return;
        }
        _group.Add(new GroupedInsertEncoder.Insert(collection, document, StatementId));
        _groupBytes += document.Length;
        if (_group.Count >= MaxGroupDocuments || _groupBytes >= MaxGroupBytes) Flush();
    }

    /// <summary>An insert of the current group failed: the group is logged one insert at a time.</summary>
    public void StatementFailed() => _groupFailed = true;

    /// <summary>Writes the inserts still grouped; at the end of every command, and before any other write.</summary>
    public void Flush()
    {
        if (_group.Count == 1 || _group.Count > 1 && _groupFailed)
            foreach (var insert in _group) AppendSingleInsert(insert.Collection, insert.Document, insert.StatementId);
        else if (_group.Count > 1)
            AppendApplyOps();
        _group.Clear();
        _groupBytes = 0;
        _groupFailed = false;
    }

    /// <summary>An insert logged as a single write, written straight from the document's bytes (or, for an _id the encoder does not size, built as a document).</summary>
    private void AppendSingleInsert(Collection collection, ReadOnlyMemory<byte> document, int statementId)
    {
        _lsidBytes ??= GroupedInsertEncoder.BytesOf(lsid);
        if (RetryableInsertEncoder.TryEncode(_lsidBytes, txnNumber, collection.NamespaceUtf8, collection.UuidValue.Bytes, document, statementId, _prevOpTime, out var encoded))
            _prevOpTime = OpTime.Of(oplog.AppendEncoded(encoded, TooLarge));
        else
            Append(Single(IOplogSink.InsertEntry(collection, document), statementId));
    }

    private BsonDocument Single(BsonDocument entry, int statementId)
    {
        var single = new BsonDocument { { "lsid", lsid }, { "txnNumber", txnNumber } };
        single.AddRange(entry);
        single.Add("stmtId", statementId);
        return single;
    }

    private void AppendApplyOps()
    {
        long total = 0;
        foreach (var insert in _group) total += OperationBytes(insert);
        if (total <= MaxOperationsBytes)
        {
            AppendGrouped(_group); // one entry: all but groups holding documents of megabytes
            return;
        }
        var part = new List<GroupedInsertEncoder.Insert>();
        long bytes = 0;
        foreach (var insert in _group)
        {
            var size = OperationBytes(insert);
            if (part.Count > 0 && bytes + size > MaxOperationsBytes)
            {
                AppendGrouped(part);
                part = [];
                bytes = 0;
            }
            part.Add(insert);
            bytes += size;
        }
        AppendGrouped(part);
    }

    /// <summary>An insert's operation in an applyOps entry, at most: its document, the other fields under 200 bytes.</summary>
    private static long OperationBytes(GroupedInsertEncoder.Insert insert) => insert.Document.Length + 200L + insert.Collection.Namespace.Length;

    /// <summary>One applyOps entry, written straight from the documents' bytes (or, for an _id the encoder does not size, built as a document).</summary>
    private void AppendGrouped(List<GroupedInsertEncoder.Insert> inserts)
    {
        _lsidBytes ??= GroupedInsertEncoder.BytesOf(lsid);
        if (GroupedInsertEncoder.TryEncode(_lsidBytes, txnNumber, inserts, _prevOpTime, out var encoded))
        {
            _prevOpTime = OpTime.Of(oplog.AppendEncoded(encoded, TooLarge));
            return;
        }
        var operations = new BsonArray(inserts.Select(i => IOplogSink.InsertEntry(i.Collection, i.Document).Add("stmtId", i.StatementId)));
        Append(new BsonDocument
        {
            { "lsid", lsid }, { "txnNumber", txnNumber }, { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", operations) }, { "multiOpType", 1 },
        });
    }

    private void Append(BsonDocument entry)
    {
        var (timestamps, _) = oplog.AppendChain([entry], _prevOpTime.ToDocument(), TooLarge);
        _prevOpTime = OpTime.Of(timestamps[0]);
    }

    private static CommandFailure TooLarge(long size) => new(10334, "BSONObjectTooLarge",
        $"BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and {ReplicationLog.MaxEntryBytes}(16MB)");
}
