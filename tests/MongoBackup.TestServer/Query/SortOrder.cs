using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A sort specification ({a: 1, "b.c": -1}) as a document comparer. An array field sorts by its smallest
/// element ascending and its largest descending; an empty array sorts before null; missing sorts as null.
/// </summary>
public sealed class SortOrder : IComparer<BsonDocument>
{
    private readonly IReadOnlyList<(FieldPath Path, int Direction)> _keys;
    private readonly BsonValueOrder _order;

    private SortOrder(IReadOnlyList<(FieldPath, int)> keys, BsonValueOrder order) => (_keys, _order) = (keys, order);

    public bool IsEmpty => _keys.Count == 0;

    /// <summary>The comparer of a sort spec whose values compare under <paramref name="order"/>: the query's collation (binary when null).</summary>
    public static SortOrder Parse(BsonDocument sort, BsonValueOrder? order = null)
    {
        var keys = new List<(FieldPath, int)>();
        foreach (var element in sort)
        {
            if (element.Value is BsonDocument { ElementCount: 1 } meta && meta.GetElement(0).Name == "$meta")
                throw CommandFailure.BadValue($"$meta sort by '{meta[0]}' is not supported by this server");
            if (!BsonValueOrder.IsNumber(element.Value))
                throw new CommandFailure(15974, "Location15974", $"Illegal key in $sort specification: {element.Name}: {element.Value}");
            var direction = element.Value.ToDouble();
            if (direction != 1 && direction != -1)
                throw new CommandFailure(15975, "Location15975", "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
            keys.Add((FieldPath.Parse(element.Name), (int)direction));
        }
        return new SortOrder(keys, order ?? BsonValueOrder.Instance);
    }

    public int Compare(BsonDocument? x, BsonDocument? y)
    {
        foreach (var (path, direction) in _keys)
        {
            var kx = SortKey(path, x ?? [], direction);
            var ky = SortKey(path, y ?? [], direction);
            var result = kx.CompareTo(ky, _order);
            if (result != 0) return result * direction;
        }
        return 0;
    }

    /// <summary>
    /// Sorts stably (documents with equal keys keep their input order), computing each document's keys once.
    /// </summary>
    public IEnumerable<BsonDocument> Sort(IEnumerable<BsonDocument> documents)
    {
        if (IsEmpty) return documents;
        return documents
            .Select(d => (Document: d, Keys: _keys.Select(k => SortKey(k.Path, d, k.Direction)).ToArray()))
            .OrderBy(p => p.Keys, Comparer<Key[]>.Create(CompareKeys))
            .Select(p => p.Document);
    }

    private int CompareKeys(Key[] x, Key[] y)
    {
        for (var i = 0; i < _keys.Count; i++)
        {
            var result = x[i].CompareTo(y[i], _order);
            if (result != 0) return result * _keys[i].Direction;
        }
        return 0;
    }

    private Key SortKey(FieldPath path, BsonDocument doc, int direction)
    {
        var values = new List<BsonValue>();
        var sawEmptyArray = false;
        foreach (var candidate in path.Resolve(doc))
        {
            if (candidate is BsonArray array)
            {
                if (array.Count == 0) sawEmptyArray = true;
                values.AddRange(array);
            }
            else values.Add(candidate ?? BsonNull.Value);
        }
        if (values.Count == 0) return sawEmptyArray ? Key.EmptyArray : new Key(BsonNull.Value);
        var best = values[0];
        foreach (var v in values.Skip(1))
            if (Math.Sign(_order.Compare(v, best)) == -direction) best = v;
        return new Key(best);
    }

    /// <summary>A sort key: a value, or the empty-array marker that sorts below every value but MinKey.</summary>
    private readonly record struct Key(BsonValue? Value)
    {
        public static Key EmptyArray => new(null);

        public int CompareTo(Key other, BsonValueOrder order)
        {
            if (Value is null || other.Value is null)
            {
                var rankThis = Value is null ? 1 : BsonValueOrder.TypeBracket(Value) == 0 ? 0 : 2;
                var rankOther = other.Value is null ? 1 : BsonValueOrder.TypeBracket(other.Value) == 0 ? 0 : 2;
                return rankThis.CompareTo(rankOther);
            }
            return order.Compare(Value, other.Value);
        }
    }
}
