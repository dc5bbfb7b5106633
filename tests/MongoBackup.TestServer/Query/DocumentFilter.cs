using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A parsed query filter (the "filter" of find, count, delete, update) that decides whether a document
/// matches, with MongoDB's semantics for dotted paths, arrays, missing fields and type brackets.
/// </summary>
public sealed class DocumentFilter
{
    private readonly MatchNode _root;

    private DocumentFilter(MatchNode root) => _root = root;

    /// <summary>A filter that matches every document (the empty filter {}).</summary>
    public static DocumentFilter All { get; } = new(new AndNode([]));

    /// <summary>The filter with values compared under <paramref name="order"/>: the query's collation (binary when null).</summary>
    public static DocumentFilter Parse(BsonDocument filter, BsonValueOrder? order = null) => new(FilterParser.ParseDocument(filter, order));

    public bool Matches(BsonDocument doc) => _root.Matches(doc);

    /// <summary>
    /// The array position the positional update operator "$" stands for in a document this filter matched: MongoDB's
    /// "elemMatchKey" (src/mongo/db/matcher/match_details.h), the offset in the first array along a predicate's path at
    /// which the predicate matched. Null when no predicate matched through an array (then "$" fails).
    /// </summary>
    public string? PositionalMatch(BsonDocument doc) => _root.ElemMatchKey(doc);
}

internal abstract class MatchNode
{
    public abstract bool Matches(BsonDocument doc);

    /// <summary>
    /// The elemMatchKey this node records for a matched document. Only conjunctions and field predicates record one:
    /// $or, $nor and $not evaluate their children without match details in mongod (src/mongo/db/matcher/expression_tree.cpp).
    /// </summary>
    public virtual string? ElemMatchKey(BsonDocument doc) => null;
}

internal sealed class AndNode(IReadOnlyList<MatchNode> children) : MatchNode
{
    public override bool Matches(BsonDocument doc) => children.All(c => c.Matches(doc));

    // Each child writes the key into the same MatchDetails, so the last one recording wins (expression_tree.cpp, AndMatchExpression).
    public override string? ElemMatchKey(BsonDocument doc) =>
        children.Select(c => c.ElemMatchKey(doc)).LastOrDefault(k => k is not null);
}

internal sealed class OrNode(IReadOnlyList<MatchNode> children) : MatchNode
{
    public override bool Matches(BsonDocument doc) => children.Any(c => c.Matches(doc));
}

internal sealed class NorNode(IReadOnlyList<MatchNode> children) : MatchNode
{
    public override bool Matches(BsonDocument doc) => !children.Any(c => c.Matches(doc));
}

/// <summary>All the operators given for one field path; every one must hold.</summary>
internal sealed class FieldNode(FieldPath path, IReadOnlyList<ValuePredicate> predicates) : MatchNode
{
    public override bool Matches(BsonDocument doc)
    {
        var candidates = path.Resolve(doc);
        return predicates.All(p => p.Matches(candidates));
    }

    public override string? ElemMatchKey(BsonDocument doc) =>
        predicates.Select(p => PositionalMatch.Find(path, p, doc)).LastOrDefault(k => k is not null);
}

/// <summary>
/// Where a predicate on a path matched inside an array. mongod's path iterator hands each predicate the elements of the
/// first array along the path together with their offset, and a predicate that matches one of them records that offset
/// (src/mongo/db/matcher/expression_leaf.cpp, LeafMatchExpression; expression_array.cpp for $elemMatch). A value
/// matched whole (an array equal to the operand) records nothing.
/// </summary>
internal static class PositionalMatch
{
    public static string? Find(FieldPath path, ValuePredicate predicate, BsonDocument doc)
    {
        switch (predicate)
        {
            case AllOfPredicate all:
                return all.Parts.Select(p => Find(path, p, doc)).LastOrDefault(k => k is not null);
            case AllPredicate all:
                return all.Required.Select(p => Find(path, p, doc)).LastOrDefault(k => k is not null);
            case ElementPredicate or ElemMatchPredicate:
                break;
            default:
                return null;
        }
        BsonValue current = doc;
        for (var depth = 0; depth <= path.Parts.Length; depth++)
        {
            if (current is BsonArray array) return FirstMatchingOffset(array, path.Parts[depth..], predicate);
            if (depth == path.Parts.Length || current is not BsonDocument d || !d.TryGetValue(path.Parts[depth], out var next)) return null;
            current = next;
        }
        return null;
    }

    private static string? FirstMatchingOffset(BsonArray array, string[] rest, ValuePredicate predicate)
    {
        var below = rest.Length == 0 ? null : FieldPath.Parse(string.Join('.', rest));
        for (var i = 0; i < array.Count; i++)
        {
            var element = array[i];
            var matched = below is not null
                ? element is BsonDocument inner && predicate.Matches(below.Resolve(inner))
                : predicate switch
                {
                    ElemMatchPredicate elemMatch => elemMatch.MatchesElement(element),
                    ElementPredicate single => single.Test(element),
                    _ => false,
                };
            if (matched) return i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }
}
