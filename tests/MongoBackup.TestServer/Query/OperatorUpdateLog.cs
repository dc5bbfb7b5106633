using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// The "$v: 2" delta of an operator update, built the way mongod builds it: from the paths each operator changed,
/// not by comparing the document before and after (src/mongo/db/update/v2_log_builder.cpp). An operator logs a path
/// as updated ("u"), created ("i") or deleted ("d"); the components leading to it become sub-diffs ("s&lt;field&gt;")
/// of documents, array diffs ("a": true, "u&lt;index&gt;"/"s&lt;index&gt;") when the next component indexes an array,
/// or, below the first component the update created, plain inserted documents. Values are read from the updated
/// document when the delta is written, as mongod reads them from its mutable document.
/// </summary>
internal sealed class OperatorUpdateLog
{
    private readonly Inner _root = new(InnerKind.SubDiff);

    /// <summary>True when no operator changed anything.</summary>
    public bool IsEmpty => _root.Children.Count == 0;

    /// <summary>An existing value at <paramref name="path"/> was given a new value (logUpdatedField).</summary>
    public void Updated(IReadOnlyList<UpdatePathComponent> path) => Add(path, new Leaf(LeafKind.Update, path), null);

    /// <summary>
    /// The value at <paramref name="path"/> was created, together with its parents from component
    /// <paramref name="firstNew"/> on (logCreatedField).
    /// </summary>
    public void Created(IReadOnlyList<UpdatePathComponent> path, int firstNew) => Add(path, new Leaf(LeafKind.Insert, path), firstNew);

    /// <summary>The field at <paramref name="path"/> was removed (logDeletedField).</summary>
    public void Deleted(IReadOnlyList<UpdatePathComponent> path) => Add(path, new Leaf(LeafKind.Delete, path), null);

    /// <summary>The oplog "o": {$v: 2, diff: ...} with values read from <paramref name="updated"/>.</summary>
    public BsonDocument ToOplogEntry(BsonDocument updated) =>
        new() { { "$v", 2 }, { "diff", WriteSubDiff(_root, updated) } };

    // addNodeAtPath: walk the path, making internal nodes for the components that have none yet.
    private void Add(IReadOnlyList<UpdatePathComponent> path, Leaf leaf, int? firstNew)
    {
        var node = _root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (node.Find(path[i].Name) is { } existing)
            {
                node = existing as Inner ?? throw new InvalidOperationException($"update paths overlap at '{path[i].Name}'");
                continue;
            }
            // createInternalNode: an array node when the next component indexes an array, an inserted document
            // below the first created component, else a sub-diff.
            var kind = path[i + 1].IsArrayIndex ? InnerKind.Array : firstNew is { } f && i >= f ? InnerKind.Insert : InnerKind.SubDiff;
            var child = new Inner(kind);
            node.Add(path[i].Name, child);
            node = child;
        }
        node.Add(path[^1].Name, leaf);
    }

    private static BsonDocument WriteSubDiff(Inner node, BsonDocument updated)
    {
        // DocumentSubDiffFrame: deletes, then updates, then inserts, then sub-diffs, each in the order logged.
        var diff = new BsonDocument();
        var deletes = new BsonDocument();
        var updates = new BsonDocument();
        var inserts = new BsonDocument();
        foreach (var (name, child) in node.Children)
        {
            switch (child)
            {
                case Leaf { Kind: LeafKind.Delete }: deletes.Add(name, false); break;
                case Leaf { Kind: LeafKind.Update } l: updates.Add(name, l.ValueIn(updated)); break;
                case Leaf l: inserts.Add(name, l.ValueIn(updated)); break;
                case Inner { Kind: InnerKind.Insert } i: inserts.Add(name, WriteInsert(i, updated)); break;
            }
        }
        if (deletes.ElementCount > 0) diff.Add("d", deletes);
        if (updates.ElementCount > 0) diff.Add("u", updates);
        if (inserts.ElementCount > 0) diff.Add("i", inserts);
        foreach (var (name, child) in node.Children)
            if (child is Inner { Kind: InnerKind.SubDiff or InnerKind.Array } inner) diff.Add("s" + name, WriteInner(inner, updated));
        return diff;
    }

    private static BsonDocument WriteInner(Inner node, BsonDocument updated) =>
        node.Kind == InnerKind.Array ? WriteArray(node, updated) : WriteSubDiff(node, updated);

    // ArrayFrame: "a": true, then each logged index in ascending order; created and updated elements alike are "u".
    private static BsonDocument WriteArray(Inner node, BsonDocument updated)
    {
        var diff = new BsonDocument("a", true);
        foreach (var (name, child) in node.Children.OrderBy(c => int.Parse(c.Name, System.Globalization.CultureInfo.InvariantCulture)))
        {
            diff.Add(child switch
            {
                Leaf { Kind: LeafKind.Delete } => throw new InvalidOperationException("an array element is never logged as deleted"),
                Leaf l => new BsonElement("u" + name, l.ValueIn(updated)),
                Inner { Kind: InnerKind.Insert } i => new BsonElement("u" + name, WriteInsert(i, updated)),
                Inner i => new BsonElement("s" + name, WriteInner(i, updated)),
                _ => throw new InvalidOperationException("unknown node"),
            });
        }
        return diff;
    }

    // DocumentInsertFrame: a created document holds only what was created in it.
    private static BsonDocument WriteInsert(Inner node, BsonDocument updated)
    {
        var doc = new BsonDocument();
        foreach (var (name, child) in node.Children)
            doc.Add(name, child is Inner i ? WriteInsert(i, updated) : ((Leaf)child).ValueIn(updated));
        return doc;
    }

    private enum InnerKind { SubDiff, Array, Insert }

    private enum LeafKind { Update, Insert, Delete }

    private abstract class Node;

    private sealed class Inner(InnerKind kind) : Node
    {
        public InnerKind Kind { get; } = kind;
        public List<(string Name, Node Node)> Children { get; } = [];

        public Node? Find(string name) => Children.FirstOrDefault(c => c.Name == name).Node;

        public void Add(string name, Node node)
        {
            if (Find(name) is not null) throw new InvalidOperationException($"update paths overlap at '{name}'");
            Children.Add((name, node));
        }
    }

    private sealed class Leaf(LeafKind kind, IReadOnlyList<UpdatePathComponent> path) : Node
    {
        public LeafKind Kind { get; } = kind;

        public BsonValue ValueIn(BsonDocument updated)
        {
            BsonValue current = updated;
            foreach (var part in path)
                current = part.IsArrayIndex
                    ? current.AsBsonArray[int.Parse(part.Name, System.Globalization.CultureInfo.InvariantCulture)]
                    : current.AsBsonDocument[part.Name];
            return current.DeepClone();
        }
    }
}
