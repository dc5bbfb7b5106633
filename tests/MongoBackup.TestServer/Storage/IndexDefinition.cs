using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// One index: its spec exactly as created (plus v: 2 first, as MongoDB adds), and for unique indexes the set of
/// keys in use so a write checks uniqueness in O(1).
/// </summary>
internal sealed class IndexDefinition
{
    private readonly Dictionary<BsonValue, long>? _uniqueKeys;
    private readonly DocumentFilter? _partialFilter;
    private readonly BsonValueOrder _order;

    public IndexDefinition(BsonDocument spec)
    {
        Spec = spec;
        Name = spec["name"].AsString;
        Key = spec["key"].AsBsonDocument;
        IsUnique = spec.TryGetValue("unique", out var unique) && unique.ToBoolean();
        IsSparse = spec.TryGetValue("sparse", out var sparse) && sparse.ToBoolean();
        // The index's collation orders its keys and also applies to its partial filter (mongod parses the
        // partialFilterExpression with the index's collator: IndexCatalogEntryImpl).
        _order = CollationKeys.For(spec)?.Order ?? BsonValueOrder.Instance;
        if (spec.TryGetValue("partialFilterExpression", out var partial))
            _partialFilter = DocumentFilter.Parse(partial.AsBsonDocument, _order);
        if (IsUnique && !IsIdIndex) _uniqueKeys = new Dictionary<BsonValue, long>(_order);
    }

    public BsonDocument Spec { get; private set; }
    public string Name { get; }
    public BsonDocument Key { get; }
    public bool IsUnique { get; }
    public bool IsSparse { get; }
    public bool IsIdIndex => Key.ElementCount == 1 && Key.GetElement(0).Name == "_id" && (Name == "_id_" || Spec.Contains("clustered"));
    public bool EnforcesUniqueness => _uniqueKeys != null;

    /// <summary>The index's collation as its spec stores it; null for the simple one.</summary>
    public BsonDocument? Collation => _order.IsSimple ? null : Spec["collation"].AsBsonDocument;

    /// <summary>Builds the stored spec: v: 2 first, then the given fields in their order.</summary>
    public static BsonDocument NormalizeSpec(BsonDocument given)
    {
        var spec = new BsonDocument("v", given.GetValue("v", 2));
        foreach (var element in given)
            if (element.Name != "v") spec.Add(element.Name, element.Value);
        return spec;
    }


    /// <summary>
    /// The keys of a document in this unique index, one per array element when a field is (or passes through) an array,
    /// as MongoDB's multikey indexes have; none when a sparse or partial index does not cover the document.
    /// </summary>
    public List<BsonArray> KeysOf(BsonDocument document)
    {
        var keys = new List<BsonArray>();
        if (_partialFilter != null && !_partialFilter.Matches(document)) return keys;
        var perField = Key.Names.Select(field => IndexKeyValues.At(document, field)).ToList();
        if (IsSparse && perField.All(values => values.All(v => v.IsBsonNull))) return keys;
        keys.Add(new BsonArray());
        foreach (var values in perField)
            keys = keys.SelectMany(prefix => values.Select(v => new BsonArray(prefix) { v })).ToList();
        return keys.Distinct(_order).Cast<BsonArray>().ToList();
    }

    public void CheckInsert(string ns, BsonDocument document, long recordId)
    {
        if (_uniqueKeys == null) return;
        foreach (var key in KeysOf(document))
            if (_uniqueKeys.TryGetValue(key, out var holder) && holder != recordId)
                throw DuplicateKeyMessage.Failure(ns, Name, Key.Names.Zip(key.Values, (f, v) => (f, v)).ToList(), Key, Collation, _order);
    }

    public void Add(BsonDocument document, long recordId)
    {
        if (_uniqueKeys == null) return;
        foreach (var key in KeysOf(document)) _uniqueKeys[key] = recordId;
    }

    public void Remove(BsonDocument document, long recordId)
    {
        if (_uniqueKeys == null) return;
        foreach (var key in KeysOf(document))
            if (_uniqueKeys.TryGetValue(key, out var holder) && holder == recordId) _uniqueKeys.Remove(key);
    }

    public void Clear() => _uniqueKeys?.Clear();
}
