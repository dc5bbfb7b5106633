using MongoBackup.TestServer.Query;
using MongoDB.Bson;
using System.Runtime.InteropServices;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// One collection (or view / time-series entry): identity, options, index specs, raw BSON records, the _id index and
/// unique-key sets. Not thread-safe by itself: every caller holds the server's data lock exclusively, or holds it shared
/// and holds <see cref="WriteSync"/>.
/// </summary>
internal sealed class Collection
{
    private readonly Dictionary<BsonValue, long> _idIndex;
    private readonly List<IndexDefinition> _indexes = new();

    public Collection(string database, string name, CollectionKind kind, BsonDocument options, Guid uuid)
    {
        Database = database;
        Name = name;
        Kind = kind;
        Options = options;
        Uuid = uuid;
        // The _id index has the collection's default collation (its spec carries it, see IdIndexSpec), so _id "a"
        // and "A" are one key under {locale: "en", strength: 2}; a default collation never changes after create.
        Order = options.TryGetValue("collation", out var collation) ? CollationKeys.OrderOf(collation) : BsonValueOrder.Instance;
        _idIndex = new Dictionary<BsonValue, long>(Order);
        if (kind == CollectionKind.Collection)
            _indexes.Add(new IndexDefinition(IdIndexSpec(options)));
    }

    public string Database
    {
        get => _database;
        set => (_database, _namespace, _namespaceUtf8) = (value, null, null);
    }

    public string Name
    {
        get => _name;
        set => (_name, _namespace, _namespaceUtf8) = (value, null, null);
    }

    /// <summary>db.coll, built once per rename: every insert names it (index checks, its oplog entry).</summary>
    public string Namespace => _namespace ??= Database + "." + Name;
    private string _database = "";
    private string _name = "";
    private string? _namespace;

    /// <summary><see cref="Namespace"/> in UTF-8, as oplog entries written from bytes name it; built once per rename.</summary>
    public byte[] NamespaceUtf8 => _namespaceUtf8 ??= System.Text.Encoding.UTF8.GetBytes(Namespace);
    private byte[]? _namespaceUtf8;
    public CollectionKind Kind { get; }
    public BsonDocument Options { get; set; }
    public Guid Uuid { get; }

    /// <summary>The value order of the collection's default collation (binary without one): its _id index's, and its queries' when they name none.</summary>
    public BsonValueOrder Order { get; }

    /// <summary>
    /// On a shard, the shard key pattern its filtering metadata holds for this collection (set when it is sharded, or
    /// created on a migration's recipient); null when unsharded. Oplog entries then name documents by it (<see cref="DocumentKey"/>).
    /// </summary>
    public BsonDocument? ShardKey { get; set; }

    /// <summary>Taken by inserts that run while the data lock is only held shared (see <see cref="DataLock"/>).</summary>
    public object WriteSync { get; } = new();

    /// <summary>The UUID as the BSON value oplog entries carry in "ui", built once.</summary>
    public BsonBinaryData UuidValue => _uuidValue ??= new BsonBinaryData(Uuid, GuidRepresentation.Standard);
    private BsonBinaryData? _uuidValue;
    public RecordStore Records { get; } = new();

    /// <summary>The records open transactions wrote, which other readers see as last committed (read them through <see cref="VisibleRecords"/>).</summary>
    public UncommittedWrites Uncommitted { get; } = new();
    public IReadOnlyList<IndexDefinition> Indexes => _indexes;
    public bool IsCapped => Options.TryGetValue("capped", out var c) && c.ToBoolean();
    public bool IsClustered => Options.Contains("clusteredIndex");

    /// <summary>The _id index spec MongoDB reports (clustered collections report theirs as clustered).</summary>
    public static BsonDocument IdIndexSpec(BsonDocument options)
    {
        if (options.TryGetValue("clusteredIndex", out var clustered))
        {
            var spec = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" }, { "unique", true } };
            if (clustered is BsonDocument cd && cd.TryGetValue("name", out var name)) spec["name"] = name;
            spec.Add("clustered", true);
            return spec;
        }
        var idIndex = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } };
        if (options.TryGetValue("collation", out var collation)) idIndex.Add("collation", collation);
        return idIndex;
    }

    public IndexDefinition? FindIndex(string name) => _indexes.FirstOrDefault(i => i.Name == name);

    public void AddIndex(IndexDefinition index)
    {
        if (index.EnforcesUniqueness)
        {
            foreach (var (id, bytes) in Records.Scan(0, true))
            {
                var doc = Parse(bytes);
                index.CheckInsert(Namespace, doc, id);
                index.Add(doc, id);
            }
        }
        _indexes.Add(index);
    }

    public void RemoveIndex(IndexDefinition index) => _indexes.Remove(index);

    /// <summary>Swaps an index for one with a changed spec (collMod), rebuilding its unique keys; duplicates fail it.</summary>
    public IndexDefinition ReplaceIndex(IndexDefinition index, BsonDocument spec)
    {
        var replacement = new IndexDefinition(spec);
        if (replacement.EnforcesUniqueness)
            foreach (var (id, bytes) in Records.Scan(0, true))
            {
                var doc = Parse(bytes);
                replacement.CheckInsert(Namespace, doc, id);
                replacement.Add(doc, id);
            }
        _indexes[_indexes.IndexOf(index)] = replacement;
        return replacement;
    }

    private List<(BsonValue Id, long RecordId)>? _idOrder;

    /// <summary>(_id, record id) pairs in _id order (MongoDB's value order), cached until the next write.</summary>
    public List<(BsonValue Id, long RecordId)> IdOrder()
    {
        if (_idOrder != null) return _idOrder;
        var pairs = _idIndex.Select(p => (p.Key, p.Value)).ToList();
        pairs.Sort((a, b) => Order.Compare(a.Item1, b.Item1));
        return _idOrder = pairs;
    }

    public long? FindById(BsonValue id) => _idIndex.TryGetValue(id, out var recordId) ? recordId : null;

    /// <summary>Stores a new document (which must have an _id) after checking every unique index.</summary>
    public long Insert(BsonDocument document) => Insert(document, BsonBytes.Of(document), document.GetValue("_id", null));

    /// <summary>
    /// As <see cref="Insert(BsonDocument)"/> with its bytes and _id already read (raw documents parse it on each access).
    /// The bytes must never change afterwards: the store may keep them where they are instead of copying.
    /// </summary>
    public long Insert(BsonDocument document, ReadOnlyMemory<byte> bytes, BsonValue? id)
    {
        // Only oplog-like capped collections hold documents without _id; they have no _id index entry.
        if (id != null && _idIndex.ContainsKey(id))
            throw DuplicateKeyMessage.Failure(Namespace, IdIndexName, new[] { ("_id", id) }, null, IdIndexCollation, Order);
        foreach (var index in _indexes) index.CheckInsert(Namespace, document, -1);
        var recordId = Records.AppendImmutable(bytes);
        if (id != null) _idIndex[id] = recordId;
        _idOrder = null;
        foreach (var index in _indexes) index.Add(document, recordId);
        return recordId;
    }

    /// <summary>Puts a deleted document back under its old record id (transaction abort).</summary>
    public void Restore(long recordId, BsonDocument document)
    {
        Records.Restore(recordId, BsonBytes.Of(document).Span);
        if (document.TryGetValue("_id", out var id)) _idIndex[id] = recordId;
        _idOrder = null;
        foreach (var index in _indexes) index.Add(document, recordId);
    }

    /// <summary>Replaces a stored document in place (same record id), keeping unique indexes consistent.</summary>
    public void Replace(long recordId, BsonDocument before, BsonDocument after) => Replace(recordId, before, after, BsonBytes.Of(after));

    /// <summary>As <see cref="Replace(long, BsonDocument, BsonDocument)"/> with <paramref name="after"/> already serialized.</summary>
    public void Replace(long recordId, BsonDocument before, BsonDocument after, ReadOnlyMemory<byte> afterBytes)
    {
        foreach (var index in _indexes) index.CheckInsert(Namespace, after, recordId);
        foreach (var index in _indexes) index.Remove(before, recordId);
        foreach (var index in _indexes) index.Add(after, recordId);
        Records.Replace(recordId, afterBytes.Span);
    }

    /// <summary>
    /// Stores raw bytes of a document that has no _id (oplog entries) without parsing them; with a unique secondary
    /// index to maintain it takes the ordinary path.
    /// </summary>
    public void AppendWithoutId(ReadOnlyMemory<byte> bytes)
    {
        if (_indexes.Any(i => i.EnforcesUniqueness))
        {
            var document = Parse(bytes);
            Insert(document, bytes, document.GetValue("_id", null));
            return;
        }
        Records.Append(bytes.Span);
    }

    /// <summary>
    /// As <see cref="AppendWithoutId(ReadOnlyMemory{byte})"/> for a record that is <paramref name="template"/> with
    /// <paramref name="documents"/> (stored bytes that never change) in their places.
    /// </summary>
    public void AppendWithoutId(ReadOnlySpan<byte> template, SplicedDocument[] documents)
    {
        if (_indexes.Any(i => i.EnforcesUniqueness))
        {
            AppendWithoutId(SplicedDocument.Assemble(template, documents));
            return;
        }
        Records.AppendSpliced(template, documents);
    }

    public void Delete(long recordId, BsonDocument document)
    {
        foreach (var index in _indexes) index.Remove(document, recordId);
        if (document.TryGetValue("_id", out var id)) _idIndex.Remove(id);
        _idOrder = null;
        Records.Remove(recordId);
    }

    public void Truncate()
    {
        Records.Clear();
        _idIndex.Clear();
        _idOrder = null;
        foreach (var index in _indexes) index.Clear();
    }

    /// <summary>Capped collections drop their oldest documents past size or max.</summary>
    public void EnforceCap(long maxBytes, long maxDocuments)
    {
        while (Records.Count > 1 && (Records.TotalBytes > maxBytes || (maxDocuments > 0 && Records.Count > maxDocuments)))
        {
            var first = Records.FirstId();
            if (first == null) return;
            DropRecord(first.Value);
        }
    }

    /// <summary>Deletes a record, parsing it fully only when a unique index needs its keys.</summary>
    private void DropRecord(long recordId)
    {
        if (_indexes.Any(i => i.EnforcesUniqueness))
        {
            Delete(recordId, Parse(Records.Get(recordId)));
            return;
        }
        // Documents without _id (the oplog's entries) have no _id index entry to remove: skip reading them.
        if (_idIndex.Count > 0 && new StoredBsonDocument(Records.Get(recordId)).TryGetValue("_id", out var id)) _idIndex.Remove(id);
        _idOrder = null;
        Records.Remove(recordId);
    }

    public IEnumerable<BsonDocument> Documents()
    {
        foreach (var (_, bytes) in Records.Scan(0, true)) yield return Parse(bytes);
    }

    /// <summary>
    /// A stored document, parsed. Strings that are not UTF-8 are read with replacement characters instead of failing:
    /// MongoDB checks UTF-8 only in its full validation mode (src/mongo/bson/bson_validate.h), so it stores such strings
    /// and answers queries over the documents (and oplog entries) holding them.
    /// Every document is checked when it arrives (see <see cref="Wire.WireObjectCheck"/>), so a stored one that cannot be
    /// read is the server's own bug: it fails as an internal error, never as the client's bad argument (the dispatcher
    /// reports a FormatException as one).
    /// </summary>
    public static BsonDocument Parse(ReadOnlyMemory<byte> bytes)
    {
        if (!MemoryMarshal.TryGetArray(bytes, out var segment)) throw new ArgumentException("stored documents are backed by arrays", nameof(bytes));
        using var stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        using var reader = new BsonBinaryReader(stream, LenientStrings);
        try
        {
            return BsonSerializer.Deserialize<BsonDocument>(reader);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or BsonSerializationException)
        {
            throw new InvalidOperationException($"a stored document of {bytes.Length} bytes cannot be read back: {e.Message}", e);
        }
    }

    private static readonly BsonBinaryReaderSettings LenientStrings = new() { Encoding = Utf8Encodings.Lenient };

    private string IdIndexName => _indexes.FirstOrDefault(i => i.IsIdIndex)?.Name ?? "_id_";

    private BsonDocument? IdIndexCollation => _indexes.FirstOrDefault(i => i.IsIdIndex)?.Collation;
}
