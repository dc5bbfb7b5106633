using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Applies the "$v: 2" delta of an update oplog entry (MongoDB 5.0+, src/mongo/db/update/document_diff_serialization.h
/// and document_diff_applier.cpp) to a document, where no applyOps can (a replay through mongos). A document diff has
/// "d" {field: false} (delete), "u" {field: value} (set in place, appended when absent), "i" {field: value} (appended at
/// the end, in order) and "s&lt;field&gt;" (a nested diff); an array diff has "a": true, "l" (the new length), "u&lt;index&gt;"
/// (set) and "s&lt;index&gt;" (a nested diff), an index past the end padded with nulls. As the server does when it applies
/// a delta again to a later state of the document (a hot backup's copy): a nested diff on a value of the other kind
/// (object and array), or past the end of an array, gives null, and one on an absent field adds nothing; the later
/// entries set those values again. Updated fields the document lacks are appended before the inserted ones.
/// </summary>
public static class UpdateDiff
{
    /// <summary>The document <paramref name="document"/> becomes under <paramref name="diff"/> (the entry's o.diff); neither is changed.</summary>
    /// <exception cref="FormatException">The diff is not in that form.</exception>
    public static BsonDocument Apply(BsonDocument document, BsonDocument diff)
    {
        // Each field's change ('d', 'u', 'i' or 's'), a field named twice refused (the server's 4728000); the updated and
        // inserted fields in that order, for those appended at the end.
        var changes = new Dictionary<string, (char Kind, BsonValue Value)>(StringComparer.Ordinal);
        var appended = new List<BsonElement>();
        void Add(string name, char kind, BsonValue value)
        {
            if (!changes.TryAdd(name, (kind, value))) throw new FormatException($"the update diff names the field '{name}' twice");
        }
        foreach (var section in diff.OrderBy(s => s.Name switch { "d" => 0, "u" => 1, "i" => 2, _ => 3 }))
        {
            switch (section.Name)
            {
                case "d" or "u" or "i":
                    foreach (var e in Section(section)) Add(e.Name, section.Name[0], e.Value);
                    if (section.Name != "d") appended.AddRange(Section(section));
                    break;
                default:
                    if (section.Name.Length < 2 || section.Name[0] != 's' || section.Value is not BsonDocument sub)
                        throw new FormatException($"'{section.Name}' is not a section of an update diff");
                    Add(section.Name[1..], 's', sub);
                    break;
            }
        }
        // In the document's order: a field kept, updated in place or patched; a deleted one left out, an inserted one moved to the end.
        var result = new BsonDocument();
        foreach (var element in document)
        {
            var kind = changes.TryGetValue(element.Name, out var change) ? change.Kind : '=';
            if (kind == '=') result.Add(element);
            else if (kind == 'u') result.Add(element.Name, change.Value);
            else if (kind == 's') result.Add(element.Name, ApplyNested(element.Value, change.Value.AsBsonDocument));
        }
        // Then the inserted fields and the updated ones the document lacked, in the diff's order.
        foreach (var element in appended.Where(e => changes[e.Name].Kind == 'i' || !document.Contains(e.Name))) result.Add(element);
        return result;
    }

    private static BsonValue ApplyNested(BsonValue value, BsonDocument diff)
    {
        var isArray = diff.GetValue("a", false) is BsonBoolean { Value: true };
        return (value, isArray) switch
        {
            (BsonArray array, true) => ApplyToArray(array, diff),
            (BsonDocument document, false) => Apply(document, diff),
            _ => BsonNull.Value,
        };
    }

    private static BsonArray ApplyToArray(BsonArray array, BsonDocument diff)
    {
        var result = new BsonArray(array);
        var length0 = array.Count;
        if (diff.GetValue("l", BsonNull.Value) is { IsNumeric: true } length)
        {
            while (result.Count > length.ToInt32()) result.RemoveAt(result.Count - 1);
            while (result.Count < length.ToInt32()) result.Add(BsonNull.Value);
        }
        foreach (var element in diff)
        {
            if (element.Name is "a" or "l") continue;
            if (element.Name.Length < 2 || element.Name[0] is not ('u' or 's') || !int.TryParse(element.Name[1..], out var index) || index < 0)
                throw new FormatException($"'{element.Name}' is not a section of an array diff");
            while (result.Count <= index) result.Add(BsonNull.Value);
            result[index] = element.Name[0] == 'u' ? element.Value
                : element.Value is not BsonDocument sub ? throw new FormatException($"'{element.Name}' of an array diff is not a document")
                : index < length0 ? ApplyNested(result[index], sub) : BsonNull.Value;
        }
        return result;
    }

    private static BsonDocument Section(BsonElement section) =>
        section.Value as BsonDocument ?? throw new FormatException($"the '{section.Name}' section of an update diff is not a document");
}
