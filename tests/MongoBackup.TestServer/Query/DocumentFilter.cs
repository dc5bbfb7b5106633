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
}

internal abstract class MatchNode
{
    public abstract bool Matches(BsonDocument doc);
}

internal sealed class AndNode(IReadOnlyList<MatchNode> children) : MatchNode
{
    public override bool Matches(BsonDocument doc) => children.All(c => c.Matches(doc));
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
}
