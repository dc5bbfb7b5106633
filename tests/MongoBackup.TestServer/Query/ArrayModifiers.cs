using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>The array update operators: $push (with $each, $position, $sort, $slice), $addToSet, $pop, $pull, $pullAll.</summary>
internal static class ArrayModifiers
{
    public static void Apply(string op, BsonValue argument, UpdateSlot slot, BsonDocument doc)
    {
        var current = slot.Get();
        if (current is null)
        {
            if (op is "$push" or "$addToSet") slot.Set(Grow(op, [], argument));
            return;
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
                slot.Set(Grow(op, array, argument));
                break;
            case "$pop":
                if (array.Count > 0) array.RemoveAt(argument.ToDouble() < 0 ? 0 : array.Count - 1);
                break;
            case "$pull":
                var matches = PullCondition(argument);
                slot.Set(new BsonArray(array.Where(e => !matches(e))));
                break;
            case "$pullAll":
                var unwanted = argument.AsBsonArray;
                slot.Set(new BsonArray(array.Where(e => !unwanted.Contains(e, BsonValueOrder.Instance))));
                break;
        }
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
