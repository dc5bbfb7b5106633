using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Inserts, updates and deletes single documents and describes each one to the oplog as MongoDB 7.0 does:
/// i with o = document and o2 = its document key; u with o = a $v:2 diff (or the full document for a replacement) and
/// o2 = the document key; d with o = the document key ({_id}, or in a sharded collection on a shard the shard key's
/// fields and _id: <see cref="DocumentKey"/>).
/// </summary>
internal sealed class DocumentWriter
{
    private readonly CatalogWriter _catalogWriter;

    public DocumentWriter(CatalogWriter catalogWriter) => _catalogWriter = catalogWriter;

    /// <summary>Inserts into db.coll, creating the collection implicitly as MongoDB does.</summary>
    public BsonDocument Insert(string database, string collectionName, BsonDocument document, WriteContext context)
    {
        var collection = _catalogWriter.GetOrCreate(database, collectionName, context);
        return Insert(collection, document, context);
    }

    public BsonDocument Insert(Collection collection, BsonDocument document, WriteContext context)
    {
        RejectViewWrite(collection);
        if (collection.Kind == CollectionKind.Timeseries)
        {
            var buckets = _catalogWriter.Catalog.Find(collection.Database, "system.buckets." + collection.Name)
                ?? throw CommandFailure.NamespaceNotFound($"the buckets collection of {collection.Namespace} is missing");
            Insert(buckets, TimeseriesBuckets.Pack(document, collection.Options["timeseries"].AsBsonDocument), context);
            return document;
        }
        var stored = WithIdFirst(document);
        // Read _id once: on a raw document (the common restore path) every access parses.
        var id = stored is StoredBsonDocument raw ? raw.FirstValue() : stored.GetElement(0).Value;
        RejectInvalidId(id);
        var bytes = BsonBytes.Of(stored);
        if (bytes.Length > MaxDocumentBytes)
            throw new CommandFailure(10334, "BSONObjectTooLarge", $"object to insert too large. size in bytes: {bytes.Length}, max size: {MaxDocumentBytes}");
        WriteConflict.CheckInsert(collection, id, context.Owner);
        var recordId = collection.Insert(stored, bytes, id);
        context.Wrote(collection, recordId, null);
        if (collection.Name == ViewDefinitions.CollectionName) ViewDefinitions.Follow(_catalogWriter.Catalog, null, stored);
        if (context.Steps != null) OnUndoInsert(context, collection, recordId, stored);
        // The oplog entry shows the stored bytes themselves (it may embed them rather than copy), read before a cap can drop them.
        var logged = collection.Records.Get(recordId);
        if (collection.IsCapped) EnforceCap(collection);
        context.LogInsert(collection, logged);
        return stored;
    }

    // Apart, so that an insert outside a transaction (which keeps no steps) allocates no closures.
    private static void OnUndoInsert(WriteContext context, Collection collection, long recordId, BsonDocument stored) =>
        context.OnUndo(() => collection.Delete(recordId, stored), () => collection.Restore(recordId, stored));

    /// <summary>
    /// Stores <paramref name="after"/> in place of the document at <paramref name="recordId"/>, logged as the whole
    /// document for a replacement, as a $v: 2 delta for operators, and for a pipeline update (<paramref name="isPipeline"/>)
    /// as the delta only when it is smaller than the new document (see <see cref="OplogDiff.ComputeForPipeline"/>).
    /// <paramref name="operatorDelta"/> is the delta an operator update logged path by path (see
    /// <see cref="UpdateSpec.ApplyLogged"/>), which is what mongod logs; an operator update without one is a bug here.
    /// </summary>
    public void Update(Collection collection, long recordId, BsonDocument before, BsonDocument after, bool isReplacement, WriteContext context,
        bool isPipeline = false, BsonDocument? operatorDelta = null)
    {
        var afterBytes = BsonBytes.Of(after);
        if (before.Equals(after) && BsonBytes.Of(before).Span.SequenceEqual(afterBytes.Span))
        {
            RejectViewWrite(collection);
            return;
        }
        var diff = isReplacement ? null : isPipeline ? OplogDiff.ComputeForPipeline(before, after, afterBytes.Length)
            : operatorDelta ?? throw new InvalidOperationException("an operator update changed the document but logged no path it changed");
        Replace(collection, recordId, before, after, afterBytes, diff, context);
    }

    /// <summary>
    /// Stores <paramref name="after"/>, already serialized as <paramref name="afterBytes"/> (which must differ from the
    /// stored bytes), in place of the document at <paramref name="recordId"/>, and logs "o" as <paramref name="diff"/>,
    /// or as the whole new document when <paramref name="diff"/> is null (a replacement). applyOps passes the diff it
    /// was given, as MongoDB logs an applied operation.
    /// </summary>
    public void Replace(Collection collection, long recordId, BsonDocument before, BsonDocument after, ReadOnlyMemory<byte> afterBytes,
        BsonDocument? diff, WriteContext context)
    {
        RejectViewWrite(collection);
        if (!BsonValueOrder.Instance.Equals(before["_id"], after["_id"]))
            throw new CommandFailure(66, "ImmutableField",
                "Performing an update on the path '_id' would modify the immutable field '_id'");
        context.CheckWritable(collection, recordId);
        context.Wrote(collection, recordId, collection.Records.Get(recordId));
        collection.Replace(recordId, before, after, afterBytes);
        if (collection.Name == ViewDefinitions.CollectionName) ViewDefinitions.Follow(_catalogWriter.Catalog, before, after);
        context.OnUndo(() => collection.Replace(recordId, after, before), () => collection.Replace(recordId, before, after));
        // A replacement logs the stored bytes themselves, not a second serialization of the document.
        var o = diff ?? new StoredBsonDocument(collection.Records.Get(recordId));
        context.Log(collection.Database, new BsonDocument
        {
            { "op", "u" }, { "ns", collection.Namespace }, { "ui", collection.UuidValue }, { "o", o },
            { "o2", DocumentKey.Of(collection, before) },
        });
    }

    public void Delete(Collection collection, long recordId, BsonDocument document, WriteContext context)
    {
        RejectViewWrite(collection);
        context.CheckWritable(collection, recordId);
        context.Wrote(collection, recordId, collection.Records.Get(recordId));
        collection.Delete(recordId, document);
        if (context.Owner != null) collection.Uncommitted.Deleted(recordId);
        if (collection.Name == ViewDefinitions.CollectionName) ViewDefinitions.Follow(_catalogWriter.Catalog, document, null);
        context.OnUndo(() => collection.Restore(recordId, document), () => collection.Delete(recordId, document));
        context.Log(collection.Database, new BsonDocument
        {
            { "op", "d" }, { "ns", collection.Namespace }, { "ui", collection.UuidValue },
            { "o", DocumentKey.Of(collection, document) },
        });
    }

    private const int MaxDocumentBytes = 16 * 1024 * 1024;

    private static void RejectInvalidId(BsonValue id)
    {
        if (id.BsonType is BsonType.Array or BsonType.RegularExpression or BsonType.Undefined)
            throw CommandFailure.BadValue($"can't use a{(id.BsonType == BsonType.Array ? "n" : "")} {id.BsonType.ToString().ToLowerInvariant()} for _id");
    }

    public static BsonBinaryData UuidOf(Collection collection) => collection.UuidValue;

    /// <summary>MongoDB stores _id as the first field and generates an ObjectId when it is missing.</summary>
    public static BsonDocument WithIdFirst(BsonDocument document)
    {
        if (document is StoredBsonDocument { StartsWithId: true }) return document;
        if (document.ElementCount > 0 && document.GetElement(0).Name == "_id") return document;
        var ordered = new BsonDocument("_id", document.GetValue("_id", ObjectId.GenerateNewId()));
        foreach (var element in document)
            if (element.Name != "_id") ordered.Add(element);
        return ordered;
    }

    private static void EnforceCap(Collection collection)
    {
        var size = collection.Options.GetValue("size", long.MaxValue).ToInt64();
        var max = collection.Options.TryGetValue("max", out var m) ? m.ToInt64() : 0;
        collection.EnforceCap(size, max);
    }

    private static void RejectViewWrite(Collection collection)
    {
        if (collection.Kind == CollectionKind.View)
            throw new CommandFailure(166, "CommandNotSupportedOnView", $"Namespace {collection.Namespace} is a view, not a collection");
    }
}
