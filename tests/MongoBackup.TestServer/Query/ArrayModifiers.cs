using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>The array update operators: $push (with $each, $position, $sort, $slice), $addToSet, $pop, $pull, $pullAll.</summary>
internal static class ArrayModifiers
{
    /// <summary>Applies <paramref name="op"/> at <paramref name="slot"/> and says how the array changed, for the oplog.</summary>
    public static ArrayChange Apply(string op, BsonValue argument, UpdateSlot slot, BsonDocument doc)
    {
        var current = slot.Get();
        if (current is null)
        {
            if (op is not ("$push" or "$addToSet")) return ArrayChange.None;
            slot.Set(Grow(op, [], argument));
            return new ArrayChange(ArrayChangeKind.Created, 0);
        }
        if (current is not BsonArray array)
        {
            var id = doc.TryGetValue("_id", out var idValue) ? $"{{_id: {idValue}}}" : "{}";
            throw CommandFailure.BadValue(op is "$push" or "$addToSet"
                ? $"The field '{slot.Name}' must be an array but is of type {BsonTypeNames.AliasOf(current)} in document {id}"
                : $"Path '{slot.Name}' contains an element of non-array type '{BsonTypeNames.AliasOf(current)}'");
        }
        switch (op)
        {
            case "$push" or "$addToSet":
                var grown = Grow(op, array, argument);
                slot.Set(grown);
                return Growth(op, array, grown, argument);
            case "$pop":
                if (array.Count == 0) return ArrayChange.None;
                array.RemoveAt(argument.ToDouble() < 0 ? 0 : array.Count - 1);
                return ArrayChange.Whole;
            case "$pull":
                var matches = PullCondition(argument);
                return Cull(slot, array, new BsonArray(array.Where(e => !matches(e))));
            default:
                var unwanted = argument.AsBsonArray;
                return Cull(slot, array, new BsonArray(array.Where(e => !unwanted.Contains(e, BsonValueOrder.Instance))));
        }
    }

    // array_culling_node.cpp: nothing removed is a no-op, else the whole array is logged.
    private static ArrayChange Cull(UpdateSlot slot, BsonArray before, BsonArray kept)
    {
        slot.Set(kept);
        return kept.Count == before.Count ? ArrayChange.None : ArrayChange.Whole;
    }

    // How $push/$addToSet changed an existing array, as push_node.cpp (insertElementsWithPosition, performPush) and
    // addtoset_node.cpp (updateExistingElement) classify it: $addToSet only appends; $push appends when the array was
    // not empty, no $position at or before its end was given, and neither $sort nor a trimming $slice applied.
    private static ArrayChange Growth(string op, BsonArray before, BsonArray after, BsonValue argument)
    {
        var added = after.Count - before.Count;
        if (op == "$addToSet") return added == 0 ? ArrayChange.None : new ArrayChange(ArrayChangeKind.Appended, added);
        var spec = argument is BsonDocument d && d.Contains("$each") ? d : null;
        var pushed = spec is null ? 1 : spec["$each"].AsBsonArray.Count;
        var sorted = spec?.Contains("$sort") == true;
        var trimmed = added < pushed;
        var positioned = spec?.GetValue("$position", null) is { } p && p.ToInt64() <= before.Count;
        if (sorted || trimmed) return ArrayChange.Whole;
        if (pushed == 0) return ArrayChange.None;
        return before.Count == 0 || positioned ? ArrayChange.Whole : new ArrayChange(ArrayChangeKind.Appended, added);
    }

    private static BsonArray Grow(string op, BsonArray existing, BsonValue argument)
    {
        var result = new BsonArray(existing);
        var spec = argument is BsonDocument d && d.Contains("$each") ? d : null;
        var values = spec is null ? [argument] : spec["$each"] as BsonArray
            ?? throw CommandFailure.BadValue($"The argument to $each in {op} must be an array but it was of type: {BsonTypeNames.AliasOf(spec["$each"])}");
        if (op == "$addToSet")
        {
            if (spec is not null && spec.ElementCount > 1) throw CommandFailure.BadValue($"Found unexpected fields after $each in $addToSet: {spec}");
            foreach (var v in values)
                if (!result.Contains(v, BsonValueOrder.Instance)) result.Add(v.DeepClone());
            return result;
        }
        if (spec is not null)
            foreach (var name in spec.Names)
                if (name is not ("$each" or "$slice" or "$sort" or "$position"))
                    throw CommandFailure.BadValue($"Unrecognized clause in $push: {name}");
        var position = result.Count;
        if (spec?.GetValue("$position", null) is { } p)
        {
            if (!BsonValueOrder.IsNumber(p)) throw CommandFailure.BadValue($"The value for $position must be an integer value, not of type: {BsonTypeNames.AliasOf(p)}");
            var requested = (int)p.ToInt64();
            position = requested < 0 ? Math.Max(0, result.Count + requested) : Math.Min(requested, result.Count);
        }
        foreach (var v in values) result.Insert(position++, v.DeepClone());
        if (spec?.GetValue("$sort", null) is { } sort) result = SortElements(result, sort);
        if (spec?.GetValue("$slice", null) is { } slice)
        {
            if (!BsonValueOrder.IsNumber(slice)) throw CommandFailure.BadValue($"The value for $slice must be an integer value but was given type: {BsonTypeNames.AliasOf(slice)}");
            var n = (int)slice.ToInt64();
            result = new BsonArray(n >= 0 ? result.Take(n) : result.Skip(Math.Max(0, result.Count + n)));
        }
        return result;
    }

    private static BsonArray SortElements(BsonArray array, BsonValue sort)
    {
        if (BsonValueOrder.IsNumber(sort))
        {
            var direction = sort.ToDouble();
            if (direction != 1 && direction != -1) throw CommandFailure.BadValue("The $sort element value must be either 1 or -1");
            var ordered = array.OrderBy(v => v, BsonValueOrder.Instance);
            return new BsonArray(direction > 0 ? ordered : array.OrderByDescending(v => v, BsonValueOrder.Instance));
        }
        if (sort is not BsonDocument spec) throw CommandFailure.BadValue("The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields");
        var order = SortOrder.Parse(spec);
        return new BsonArray(array.OrderBy(v => v as BsonDocument ?? [], order));
    }

    /// <summary>$pull's test: a condition document, a document to match as a filter, or a value to equal.</summary>
    private static Func<BsonValue, bool> PullCondition(BsonValue argument)
    {
        if (argument is BsonDocument d && FilterParser.IsOperatorDocument(d))
        {
            var predicate = FilterParser.ParseOperators(d);
            return e => predicate.Matches([e]);
        }
        if (argument is BsonDocument filterDoc)
        {
            var filter = DocumentFilter.Parse(filterDoc);
            return e => e is BsonDocument ed && filter.Matches(ed);
        }
        if (argument is BsonRegularExpression re)
        {
            var regex = new RegexPredicate(re);
            return e => regex.Test(e);
        }
        return e => BsonValueOrder.Instance.Equals(e, argument);
    }
}

/// <summary>How an array operator changed its field, which decides how the update is logged.</summary>
internal enum ArrayChangeKind { None, Created, Whole, Appended }

/// <summary>An array operator's change: its kind, and for <see cref="ArrayChangeKind.Appended"/> how many elements were appended.</summary>
internal readonly record struct ArrayChange(ArrayChangeKind Kind, int Appended)
{
    public static ArrayChange None => new(ArrayChangeKind.None, 0);

    public static ArrayChange Whole => new(ArrayChangeKind.Whole, 0);
}
