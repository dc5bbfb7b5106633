using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// A dotted field path and MongoDB's way of reading it from a document: a name component steps into a
/// document, or into every document element of an array; a numeric component also indexes an array.
/// </summary>
internal sealed class FieldPath
{
    private FieldPath(string dotted, string[] parts)
    {
        Dotted = dotted;
        Parts = parts;
    }

    public string Dotted { get; }
    public string[] Parts { get; }

    public static FieldPath Parse(string dotted)
    {
        var parts = dotted.Split('.');
        if (dotted.Length == 0 || parts.Any(p => p.Length == 0))
            throw CommandFailure.BadValue($"FieldPath field names may not be empty strings: '{dotted}'");
        return new FieldPath(dotted, parts);
    }

    public override string ToString() => Dotted;

    /// <summary>
    /// Every value the path reaches (arrays at the leaf are returned whole, not expanded).
    /// A null entry means "missing" on some branch; matching treats it as null.
    /// </summary>
    public List<BsonValue?> Resolve(BsonValue root)
    {
        var found = new List<BsonValue?>();
        Walk(root, 0, found);
        return found;
    }

    /// <summary>True when the path reaches at least one existing value.</summary>
    public bool Exists(BsonValue root) => Resolve(root).Any(v => v is not null);

    private void Walk(BsonValue current, int index, List<BsonValue?> found)
    {
        if (index == Parts.Length)
        {
            found.Add(current);
            return;
        }
        var name = Parts[index];
        switch (current)
        {
            case BsonDocument doc:
                if (doc.TryGetValue(name, out var child)) Walk(child, index + 1, found);
                else found.Add(null);
                break;
            case BsonArray array:
                var before = found.Count;
                if (TryArrayIndex(name, out var position) && position < array.Count)
                    Walk(array[position], index + 1, found);
                foreach (var element in array)
                    if (element is BsonDocument) Walk(element, index, found);
                if (found.Count == before) found.Add(null);
                break;
            default:
                found.Add(null);
                break;
        }
    }

    public static bool TryArrayIndex(string name, out int index)
    {
        index = -1;
        if (name.Length == 0 || name.Length > 9 || !name.All(char.IsAsciiDigit)) return false;
        if (name.Length > 1 && name[0] == '0') return false;
        index = int.Parse(name, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Reads a path with plain document semantics (no array fan-out): aggregation's "$a.b" on a document.</summary>
    public static BsonValue? GetExact(BsonDocument doc, string dotted)
    {
        BsonValue current = doc;
        foreach (var part in dotted.Split('.'))
        {
            if (current is BsonDocument d && d.TryGetValue(part, out var next)) current = next;
            else if (current is BsonArray a && TryArrayIndex(part, out var i) && i < a.Count) current = a[i];
            else return null;
        }
        return current;
    }
}
