using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Applies the "$v: 2" delta of an update oplog entry (MongoDB 5.0+, src/mongo/db/update/document_diff_serialization.h
/// and document_diff_applier.cpp) to a document, where no applyOps can (a replay through mongos). A document diff has
/// "d" {field: false} (delete), "u" {field: value} (set in place, appended when absent), "i" {field: value} (appended at
/// the end, in order) and "s&lt;field&gt;" (a nested diff); an array diff has "a": true, "l" (the new length), "u&lt;index&gt;"
/// (set) and "s&lt;index&gt;" (a nested diff), an index past the end padded with nulls. A nested diff whose field is absent
/// or of the other kind (object and array) leaves it as it is: the document was read at a later state than the entry's
/// (a hot backup's copy), and the later entries set it again.
/// </summary>
public static class UpdateDiff
{
    /// <summary>The document <paramref name="document"/> becomes under <paramref name="diff"/> (the entry's o.diff); neither is changed.</summary>
    /// <exception cref="FormatException">The diff is not in that form.</exception>
    public static BsonDocument Apply(BsonDocument document, BsonDocument diff)
    {
        var deletes = new HashSet<string>(StringComparer.Ordinal);
        var updates = new Dictionary<string, BsonValue>(StringComparer.Ordinal);
        var appended = new List<BsonElement>();
        var nested = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
        foreach (var section in diff)
        {
            switch (section.Name)
            {
                case "d":
                    foreach (var e in Section(section)) deletes.Add(e.Name);
                    break;
                case "u":
                    foreach (var e in Section(section)) updates[e.Name] = e.Value;
                    break;
                case "i":
                    appended.AddRange(Section(section));
                    break;
                default:
                    if (section.Name.Length < 2 || section.Name[0] != 's' || section.Value is not BsonDocument sub)
                        throw new FormatException($"'{section.Name}' is not a section of an update diff");
                    nested[section.Name[1..]] = sub;
                    break;
            }
        }
        var inserted = new HashSet<string>(appended.Select(e => e.Name), StringComparer.Ordinal);
        var result = new BsonDocument();
        foreach (var element in document)
        {
            if (deletes.Contains(element.Name) || inserted.Contains(element.Name)) continue;
            if (updates.Remove(element.Name, out var value)) result.Add(element.Name, value);
            else if (nested.TryGetValue(element.Name, out var sub)) result.Add(element.Name, ApplyNested(element.Value, sub));
            else result.Add(element);
        }
        foreach (var (name, value) in updates) result.Add(name, value);
        foreach (var element in appended) result.Add(element);
        return result;
    }

    private static BsonValue ApplyNested(BsonValue value, BsonDocument diff)
    {
        var isArray = diff.GetValue("a", false) is BsonBoolean { Value: true };
        return (value, isArray) switch
        {
            (BsonArray array, true) => ApplyToArray(array, diff),
            (BsonDocument document, false) => Apply(document, diff),
            _ => value,
        };
    }

    private static BsonArray ApplyToArray(BsonArray array, BsonDocument diff)
    {
        var result = new BsonArray(array);
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
                : element.Value is BsonDocument sub ? ApplyNested(result[index], sub) : throw new FormatException($"'{element.Name}' of an array diff is not a document");
        }
        return result;
    }

    private static BsonDocument Section(BsonElement section) =>
        section.Value as BsonDocument ?? throw new FormatException($"the '{section.Name}' section of an update diff is not a document");
}
