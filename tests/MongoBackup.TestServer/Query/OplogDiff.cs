using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// The update entries of the oplog: computes MongoDB's "$v: 2" delta between two versions of a document,
/// and applies any update entry's "o" (a delta, a legacy $set/$unset document, or a full replacement).
/// </summary>
public static class OplogDiff
{
    /// <summary>
    /// The $v: 2 delta from <paramref name="before"/> to <paramref name="after"/> by comparing them, for an applied entry
    /// that is not a delta already. An operator update is logged from the paths it changed instead
    /// (<see cref="UpdateSpec.ApplyLogged"/>), whose forms differ (a nested $set as a sub-diff, a $pull as the whole array).
    /// </summary>
    public static BsonDocument Compute(BsonDocument before, BsonDocument after) =>
        new() { { "$v", 2 }, { "diff", DeltaComputer.DocumentDiff(before, after) } };

    /// <summary>
    /// The oplog "o" of a pipeline update: the $v: 2 delta when it, with the 15 bytes of "$v" and "diff" around it, is
    /// smaller than the new document, else null, meaning the update is logged as a replacement (the whole new document).
    /// That is mongod's rule (src/mongo/db/update/pipeline_executor.cpp, applyUpdate: doc_diff::computeOplogDiff with
    /// update_oplog_entry::kSizeOfDeltaOplogEntryMetadata = 15 as padding, in document_diff_calculator.cpp; and
    /// update_oplog_entry_serialization.h: "Pipeline updates ... are always logged with replacement entries or $v:2 delta entries").
    /// </summary>
    public static BsonDocument? ComputeForPipeline(BsonDocument before, BsonDocument after, int afterSize)
    {
        var diff = DeltaComputer.DocumentDiff(before, after);
        return diff.ToBson().Length + DeltaOplogEntryMetadataSize < afterSize ? new BsonDocument { { "$v", 2 }, { "diff", diff } } : null;
    }

    private const int DeltaOplogEntryMetadataSize = 15;

    /// <summary>The document after applying an update entry's "o" to <paramref name="doc"/> (which is not changed).</summary>
    public static BsonDocument Apply(BsonDocument doc, BsonDocument o)
    {
        if (o.TryGetValue("$v", out var version) && version.IsNumeric && version.ToInt32() == 2)
        {
            if (o.GetValue("diff", null) is not BsonDocument diff)
                throw CommandFailure.FailedToParse($"a $v: 2 update entry needs a 'diff' document: {o}");
            return DeltaApplier.ApplyToDocument(doc, diff);
        }
        if (o.Names.Any(n => n.StartsWith('$')))
        {
            var modifiers = new BsonDocument(o.Where(e => e.Name != "$v"));
            return UpdateSpec.Parse(modifiers).Apply(doc);
        }
        return ReplaceKeepingId(doc, o);
    }

    private static BsonDocument ReplaceKeepingId(BsonDocument doc, BsonDocument replacement)
    {
        var result = replacement.DeepClone().AsBsonDocument;
        if (!result.Contains("_id") && doc.TryGetValue("_id", out var id)) result.InsertAt(0, new BsonElement("_id", id));
        return result;
    }
}

/// <summary>
/// Builds the delta: kept fields stay in place ("u" replaces, "s" patches), deletions go to "d", and fields
/// that are new or whose position changed go to "i", which the applier appends at the end in order.
/// </summary>
internal static class DeltaComputer
{
    public static BsonDocument DocumentDiff(BsonDocument before, BsonDocument after)
    {
        var deletes = new BsonDocument();
        var updates = new BsonDocument();
        var inserts = new BsonDocument();
        var subDiffs = new List<BsonElement>();

        var afterNames = new HashSet<string>(after.Names, StringComparer.Ordinal);
        foreach (var name in before.Names)
            if (!afterNames.Contains(name)) deletes.Add(name, false);

        var keptPrefix = KeptPrefixLength(before, after);
        for (var i = 0; i < after.ElementCount; i++)
        {
            var element = after.GetElement(i);
            if (i >= keptPrefix)
            {
                inserts.Add(element);
                continue;
            }
            var old = before[element.Name];
            if (BsonIdentity.Same(old, element.Value)) continue;
            var patch = SubDiff(old, element.Value);
            if (patch is not null) subDiffs.Add(new BsonElement("s" + element.Name, patch));
            else updates.Add(element);
        }

        var diff = new BsonDocument();
        if (deletes.ElementCount > 0) diff.Add("d", deletes);
        if (updates.ElementCount > 0) diff.Add("u", updates);
        if (inserts.ElementCount > 0) diff.Add("i", inserts);
        diff.AddRange(subDiffs);
        return diff;
    }

    /// <summary>
    /// How many leading fields of <paramref name="after"/> already exist in <paramref name="before"/> in the
    /// same relative order; those can stay where they are, every later field is (re)inserted at the end.
    /// </summary>
    private static int KeptPrefixLength(BsonDocument before, BsonDocument after)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < before.ElementCount; i++) positions[before.GetElement(i).Name] = i;
        var last = -1;
        for (var i = 0; i < after.ElementCount; i++)
        {
            if (!positions.TryGetValue(after.GetElement(i).Name, out var position) || position < last) return i;
            last = position;
        }
        return after.ElementCount;
    }

    /// <summary>A nested diff when both sides are documents (or both arrays) and the diff is smaller than the value.</summary>
    private static BsonDocument? SubDiff(BsonValue old, BsonValue now)
    {
        BsonDocument? patch = (old, now) switch
        {
            (BsonDocument a, BsonDocument b) => DocumentDiff(a, b),
            (BsonArray a, BsonArray b) => ArrayDiff(a, b),
            _ => null,
        };
        return patch is not null && EncodedSize.Of(patch) < EncodedSize.Of(now) ? patch : null;
    }

    private static BsonDocument ArrayDiff(BsonArray before, BsonArray after)
    {
        var diff = new BsonDocument("a", true);
        if (after.Count < before.Count) diff.Add("l", after.Count);
        for (var i = 0; i < after.Count; i++)
        {
            if (i >= before.Count)
            {
                diff.Add("u" + i, after[i]);
                continue;
            }
            if (BsonIdentity.Same(before[i], after[i])) continue;
            var patch = SubDiff(before[i], after[i]);
            if (patch is not null) diff.Add("s" + i, patch);
            else diff.Add("u" + i, after[i]);
        }
        return diff;
    }
}

/// <summary>Applies a "$v: 2" delta the way mongod does, including its tolerance of re-application.</summary>
internal static class DeltaApplier
{
    public static BsonDocument ApplyToDocument(BsonDocument pre, BsonDocument diff)
    {
        var changes = new Dictionary<string, (char Kind, BsonValue Value)>(StringComparer.Ordinal);
        var appendOrder = new List<BsonElement>();
        foreach (var section in diff)
        {
            switch (section.Name)
            {
                case "d":
                    foreach (var e in RequireDocument(section)) AddChange(changes, e.Name, 'd', BsonNull.Value);
                    break;
                case "u":
                    foreach (var e in RequireDocument(section)) { AddChange(changes, e.Name, 'u', e.Value); appendOrder.Add(e); }
                    break;
                case "i":
                    foreach (var e in RequireDocument(section)) { AddChange(changes, e.Name, 'i', e.Value); appendOrder.Add(e); }
                    break;
                default:
                    if (section.Name.Length == 0 || section.Name[0] != 's' || section.Value is not BsonDocument)
                        throw CommandFailure.FailedToParse($"invalid field in an oplog diff: '{section.Name}'");
                    AddChange(changes, section.Name[1..], 's', section.Value);
                    break;
            }
        }

        var result = new BsonDocument();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in pre)
        {
            if (!changes.TryGetValue(element.Name, out var change))
            {
                result.Add(element);
                continue;
            }
            switch (change.Kind)
            {
                case 'u':
                    result.Add(element.Name, change.Value);
                    written.Add(element.Name);
                    break;
                case 's':
                    result.Add(element.Name, ApplySubDiff(element.Value, change.Value.AsBsonDocument));
                    break;
            }
        }
        foreach (var element in appendOrder)
            if (!written.Contains(element.Name)) result.Add(element);
        return result;
    }

    private static BsonValue ApplySubDiff(BsonValue pre, BsonDocument diff)
    {
        var isArrayDiff = diff.TryGetValue("a", out var marker) && marker.IsBoolean && marker.AsBoolean;
        return (pre, isArrayDiff) switch
        {
            (BsonArray array, true) => ApplyToArray(array, diff),
            (BsonDocument doc, false) => ApplyToDocument(doc, diff),
            // A later entry changed this field's type; mongod writes null and lets that entry fix it.
            _ => BsonNull.Value,
        };
    }

    private static BsonArray ApplyToArray(BsonArray pre, BsonDocument diff)
    {
        int? newSize = diff.TryGetValue("l", out var l) ? l.ToInt32() : null;
        var modifications = new SortedDictionary<int, (char Kind, BsonValue Value)>();
        foreach (var e in diff)
        {
            if (e.Name is "a" or "l") continue;
            if (e.Name.Length < 2 || (e.Name[0] != 'u' && e.Name[0] != 's') || !FieldPath.TryArrayIndex(e.Name[1..], out var index))
                throw CommandFailure.FailedToParse($"invalid field in an oplog array diff: '{e.Name}'");
            modifications[index] = (e.Name[0], e.Value);
        }
        var length = newSize ?? Math.Max(pre.Count, modifications.Count == 0 ? 0 : modifications.Keys.Max() + 1);
        var result = new BsonArray(length);
        for (var i = 0; i < length; i++)
        {
            var old = i < pre.Count ? pre[i] : null;
            if (modifications.TryGetValue(i, out var mod))
                result.Add(mod.Kind == 'u' ? mod.Value : old is null ? BsonNull.Value : ApplySubDiff(old, mod.Value.AsBsonDocument));
            else result.Add(old ?? BsonNull.Value);
        }
        return result;
    }

    private static BsonDocument RequireDocument(BsonElement section) =>
        section.Value as BsonDocument ?? throw CommandFailure.FailedToParse($"the '{section.Name}' section of an oplog diff must be a document");

    private static void AddChange(Dictionary<string, (char, BsonValue)> changes, string name, char kind, BsonValue value)
    {
        if (!changes.TryAdd(name, (kind, value)))
            throw new CommandFailure(4728000, "Location4728000", $"duplicate field name in diff: {name}");
    }
}
