using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// One place in a document that an update operator reads and writes: a field of a document or an
/// element of an array.
/// </summary>
internal sealed class UpdateSlot
{
    private readonly BsonDocument? _document;
    private readonly BsonArray? _array;
    private readonly string _name;
    private readonly int _index;

    public UpdateSlot(BsonDocument document, string name) { _document = document; _name = name; }

    public UpdateSlot(BsonArray array, int index) { _array = array; _index = index; _name = index.ToString(System.Globalization.CultureInfo.InvariantCulture); }

    public string Name => _name;

    /// <summary>True for an element of an array (mongod's RuntimeUpdatePath kArrayIndex component).</summary>
    public bool IsArrayElement => _array is not null;

    /// <summary>
    /// The concrete path the walker took to this slot ("$", "$[]" and "$[id]" resolved to positions), each component
    /// marked when it is an array index; empty when the slot was not reached by <see cref="UpdatePathWalker"/>.
    /// </summary>
    public IReadOnlyList<UpdatePathComponent> Taken { get; init; } = [];

    /// <summary>The index in <see cref="Taken"/> of the first parent the walker created, or null when all parents existed.</summary>
    public int? FirstCreatedParent { get; init; }

    public BsonValue? Get() => _document is not null
        ? _document.GetValue(_name, null)
        : _index < _array!.Count ? _array[_index] : null;

    public void Set(BsonValue value)
    {
        if (_document is not null)
        {
            _document[_name] = value;
            return;
        }
        while (_array!.Count < _index) _array.Add(BsonNull.Value);
        if (_index < _array.Count) _array[_index] = value;
        else _array.Add(value);
    }

    /// <summary>Removes a field; an array element becomes null instead, as $unset does.</summary>
    public void Remove()
    {
        if (_document is not null) _document.Remove(_name);
        else if (_index < _array!.Count) _array[_index] = BsonNull.Value;
    }
}

/// <summary>
/// Walks an update's dotted path to the slots it names: creating missing parents when the operator writes,
/// expanding $[] and $[identifier] over array elements, reading "$" as the array position the query matched
/// (<paramref name="positionalMatch"/>, see <see cref="DocumentFilter.PositionalMatch"/>), and failing where MongoDB fails.
/// </summary>
internal sealed class UpdatePathWalker(IReadOnlyDictionary<string, DocumentFilter> arrayFilters, string? positionalMatch = null)
{
    public void Visit(BsonDocument root, string path, bool createParents, Action<UpdateSlot> action) =>
        Walk(root, path.Split('.'), 0, createParents, action, [], null);

    // taken: the concrete components walked so far; created: the index of the first parent this walk created.
    private void Walk(BsonValue current, string[] parts, int index, bool create, Action<UpdateSlot> action,
        List<UpdatePathComponent> taken, int? created)
    {
        var part = parts[index];
        var last = index == parts.Length - 1;
        // mongod puts the matched position in place of "$" and walks on as if the path had named it
        // (src/mongo/db/update/update_object_node.cpp, applyChild); with no match recorded it fails.
        if (part == "$")
            part = positionalMatch ?? throw CommandFailure.BadValue("The positional operator did not find the match needed from the query.");
        if (part.StartsWith("$"))
        {
            if (current is not BsonArray positional)
                throw CommandFailure.BadValue($"The path '{string.Join('.', parts.Take(index))}' must exist in the document in order to apply array updates.");
            for (var i = 0; i < positional.Count; i++)
            {
                if (!Selects(part, positional[i])) continue;
                var step = With(taken, i.ToString(System.Globalization.CultureInfo.InvariantCulture), true);
                if (last) action(new UpdateSlot(positional, i) { Taken = step, FirstCreatedParent = created });
                else Descend(positional[i], parts, index, create, action, () => throw PathNotViable(parts[index + 1], part, positional[i]), step, created);
            }
            return;
        }
        switch (current)
        {
            case BsonDocument doc:
            {
                var step = With(taken, part, false);
                if (last) { action(new UpdateSlot(doc, part) { Taken = step, FirstCreatedParent = created }); return; }
                if (doc.TryGetValue(part, out var child))
                    Descend(child, parts, index, create, action, () => throw PathNotViable(parts[index + 1], part, child), step, created);
                else if (create)
                {
                    var parent = new BsonDocument();
                    doc[part] = parent;
                    Walk(parent, parts, index + 1, create, action, step, created ?? index);
                }
                return;
            }
            case BsonArray array:
                if (!FieldPath.TryArrayIndex(part, out var position))
                {
                    if (create) throw new CommandFailure(28, "PathNotViable", $"Cannot create field '{part}' in element {{{(index > 0 ? parts[index - 1] : "")}: {array}}}");
                    return;
                }
                var element = With(taken, part, true);
                if (last) { action(new UpdateSlot(array, position) { Taken = element, FirstCreatedParent = created }); return; }
                if (position < array.Count)
                    Descend(array[position], parts, index, create, action, () => throw PathNotViable(parts[index + 1], part, array[position]), element, created);
                else if (create)
                {
                    var parent = new BsonDocument();
                    new UpdateSlot(array, position).Set(parent);
                    Walk(parent, parts, index + 1, create, action, element, created ?? index);
                }
                return;
        }
    }

    private void Descend(BsonValue child, string[] parts, int index, bool create, Action<UpdateSlot> action, Action failScalar,
        List<UpdatePathComponent> taken, int? created)
    {
        if (child is BsonDocument or BsonArray) Walk(child, parts, index + 1, create, action, taken, created);
        else if (create) failScalar();
    }

    private static List<UpdatePathComponent> With(List<UpdatePathComponent> taken, string name, bool isArrayIndex) =>
        [.. taken, new UpdatePathComponent(name, isArrayIndex)];

    private static CommandFailure PathNotViable(string field, string parentName, BsonValue parent) =>
        new(28, "PathNotViable", $"Cannot create field '{field}' in element {{{parentName}: {parent}}}");

    private bool Selects(string positional, BsonValue element)
    {
        if (positional == "$[]") return true;
        if (positional == "$")
            throw CommandFailure.BadValue("The positional operator did not find the match needed from the query.");
        if (!positional.StartsWith("$[") || !positional.EndsWith(']'))
            throw CommandFailure.BadValue($"Invalid positional operator '{positional}'");
        var identifier = positional[2..^1];
        if (!arrayFilters.TryGetValue(identifier, out var filter))
            throw CommandFailure.BadValue($"No array filter found for identifier '{identifier}' in path");
        return filter.Matches(new BsonDocument(identifier, element));
    }
}

/// <summary>One component of a concrete update path: a field name, or an index into an array.</summary>
internal readonly record struct UpdatePathComponent(string Name, bool IsArrayIndex);
