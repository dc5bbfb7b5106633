using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// MongoDB's total order over BSON values (the order of sorts, range queries and index keys):
/// values of different types compare by their canonical type bracket, values inside a bracket by value.
/// Numbers of all four BSON numeric types share one bracket and compare by exact mathematical value,
/// so equality (and the hash) agrees for 1, 1L, 1.0 and Decimal128 1.
/// Under a collation, strings and symbols (nested ones too, never field names, code or regexes) compare by the
/// collator instead of by code point, as mongod's BSONElement::compareElements does when given a StringData comparator.
/// </summary>
public sealed class BsonValueOrder : IComparer<BsonValue>, IEqualityComparer<BsonValue>
{
    /// <summary>The simple (binary) order: no collation.</summary>
    public static BsonValueOrder Instance { get; } = new(null, CompareOptions.None);

    private readonly CompareInfo? _collator;
    private readonly CompareOptions _collatorOptions;

    private BsonValueOrder(CompareInfo? collator, CompareOptions options) => (_collator, _collatorOptions) = (collator, options);

    /// <summary>The order of a collation (see <see cref="Storage.CollationKeys"/>), comparing strings with <paramref name="collator"/>.</summary>
    internal static BsonValueOrder Collated(CompareInfo collator, CompareOptions options) => new(collator, options);

    /// <summary>True for the simple order, where equal strings are equal bytes.</summary>
    public bool IsSimple => _collator is null;

    /// <summary>The canonical type bracket MongoDB sorts by before looking at values.</summary>
    public static int TypeBracket(BsonValue value) => value.BsonType switch
    {
        BsonType.MinKey => 0,
        BsonType.Undefined or BsonType.Null => 5,
        BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128 => 10,
        BsonType.String or BsonType.Symbol => 15,
        BsonType.Document => 20,
        BsonType.Array => 25,
        BsonType.Binary => 30,
        BsonType.ObjectId => 35,
        BsonType.Boolean => 40,
        BsonType.DateTime => 45,
        BsonType.Timestamp => 47,
        BsonType.RegularExpression => 50,
        BsonType.JavaScript => 60,
        BsonType.JavaScriptWithScope => 65,
        BsonType.MaxKey => 127,
        _ => throw CommandFailure.BadValue($"unsupported BSON type {value.BsonType} in comparison"),
    };

    public static bool IsNumber(BsonValue value) =>
        value.BsonType is BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128;

    public int Compare(BsonValue? x, BsonValue? y)
    {
        x ??= BsonNull.Value;
        y ??= BsonNull.Value;
        var bx = TypeBracket(x);
        var by = TypeBracket(y);
        if (bx != by) return bx.CompareTo(by);
        return bx switch
        {
            10 => NumberOrder.Compare(x, y),
            15 => CompareStringValues(StringOf(x), StringOf(y)),
            20 => CompareDocuments(x.AsBsonDocument, y.AsBsonDocument),
            25 => CompareArrays(x.AsBsonArray, y.AsBsonArray),
            30 => CompareBinary(x.AsBsonBinaryData, y.AsBsonBinaryData),
            35 => x.AsObjectId.CompareTo(y.AsObjectId),
            40 => x.AsBoolean.CompareTo(y.AsBoolean),
            45 => x.AsBsonDateTime.MillisecondsSinceEpoch.CompareTo(y.AsBsonDateTime.MillisecondsSinceEpoch),
            47 => ((ulong)x.AsBsonTimestamp.Value).CompareTo((ulong)y.AsBsonTimestamp.Value),
            50 => CompareRegex(x.AsBsonRegularExpression, y.AsBsonRegularExpression),
            60 => CompareStrings(x.AsBsonJavaScript.Code, y.AsBsonJavaScript.Code),
            65 => CompareCodeWithScope(x.AsBsonJavaScriptWithScope, y.AsBsonJavaScriptWithScope),
            _ => 0, // MinKey, MaxKey, Null/Undefined: one value per bracket
        };
    }

    public bool Equals(BsonValue? x, BsonValue? y) => Compare(x, y) == 0;

    public int GetHashCode(BsonValue value)
    {
        var bracket = TypeBracket(value);
        return bracket switch
        {
            10 => NumberOrder.HashCode(value),
            15 => _collator is null ? HashCode.Combine(bracket, StringOf(value))
                : HashCode.Combine(bracket, _collator.GetHashCode(StringOf(value), _collatorOptions)),
            20 => HashElements(value.AsBsonDocument.Elements, bracket),
            25 => HashElements(value.AsBsonArray.Select(v => new BsonElement("", v)), bracket),
            50 => HashCode.Combine(bracket, value.AsBsonRegularExpression.Pattern, value.AsBsonRegularExpression.Options),
            0 or 5 or 127 => bracket,
            _ => HashCode.Combine(bracket, value.GetHashCode()),
        };
    }

    /// <summary>
    /// The collation key of a string or symbol (ICU's sort key, without its terminating zero), as a collated index stores
    /// it; null for other values or under the simple order.
    /// </summary>
    internal byte[]? SortKey(BsonValue value)
    {
        if (_collator is null || TypeBracket(value) != 15) return null;
        var key = _collator.GetSortKey(StringOf(value), _collatorOptions).KeyData;
        return key.Length > 0 && key[^1] == 0 ? key[..^1] : key;
    }

    private int CompareStringValues(string a, string b) => _collator is null ? CompareStrings(a, b) : _collator.Compare(a, b, _collatorOptions);

    /// <summary>Strings compare by the binary order of their UTF-8 encodings, i.e. by code point.</summary>
    public static int CompareStrings(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] == b[i]) continue;
            return CodePointRank(a[i]).CompareTo(CodePointRank(b[i]));
        }
        return a.Length.CompareTo(b.Length);
    }

    // UTF-16 puts surrogates (U+10000 and up) below U+E000..U+FFFF; shifting them restores code point order.
    private static int CodePointRank(char c) => c >= 0xD800 && c <= 0xDFFF ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;

    private static string StringOf(BsonValue v) => v.BsonType == BsonType.Symbol ? v.AsBsonSymbol.Name : v.AsString;

    private int CompareDocuments(BsonDocument a, BsonDocument b)
    {
        var count = Math.Min(a.ElementCount, b.ElementCount);
        for (var i = 0; i < count; i++)
        {
            var ea = a.GetElement(i);
            var eb = b.GetElement(i);
            var byType = TypeBracket(ea.Value).CompareTo(TypeBracket(eb.Value));
            if (byType != 0) return byType;
            var byName = CompareStrings(ea.Name, eb.Name);
            if (byName != 0) return byName;
            var byValue = Compare(ea.Value, eb.Value);
            if (byValue != 0) return byValue;
        }
        return a.ElementCount.CompareTo(b.ElementCount);
    }

    private int CompareArrays(BsonArray a, BsonArray b)
    {
        var count = Math.Min(a.Count, b.Count);
        for (var i = 0; i < count; i++)
        {
            var byType = TypeBracket(a[i]).CompareTo(TypeBracket(b[i]));
            if (byType != 0) return byType;
            var byValue = Compare(a[i], b[i]);
            if (byValue != 0) return byValue;
        }
        return a.Count.CompareTo(b.Count);
    }

    private static int CompareBinary(BsonBinaryData a, BsonBinaryData b)
    {
        var byLength = a.Bytes.Length.CompareTo(b.Bytes.Length);
        if (byLength != 0) return byLength;
        var bySubType = ((byte)a.SubType).CompareTo((byte)b.SubType);
        if (bySubType != 0) return bySubType;
        return a.Bytes.AsSpan().SequenceCompareTo(b.Bytes);
    }

    private static int CompareRegex(BsonRegularExpression a, BsonRegularExpression b)
    {
        var byPattern = CompareStrings(a.Pattern, b.Pattern);
        return byPattern != 0 ? byPattern : CompareStrings(a.Options, b.Options);
    }

    private int CompareCodeWithScope(BsonJavaScriptWithScope a, BsonJavaScriptWithScope b)
    {
        var byCode = CompareStrings(a.Code, b.Code);
        return byCode != 0 ? byCode : CompareDocuments(a.Scope, b.Scope);
    }

    private int HashElements(IEnumerable<BsonElement> elements, int seed)
    {
        var hash = new HashCode();
        hash.Add(seed);
        foreach (var e in elements)
        {
            hash.Add(e.Name);
            hash.Add(GetHashCode(e.Value));
        }
        return hash.ToHashCode();
    }
}
