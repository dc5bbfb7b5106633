using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>$group: documents with equal _id expressions (MongoDB equality: 1 == 1.0) share accumulators.</summary>
internal sealed class GroupStage : IPipelineStage
{
    private readonly AggregationExpression _id;
    private readonly List<(string Name, string Accumulator, AggregationExpression Argument)> _fields;

    private GroupStage(AggregationExpression id, List<(string, string, AggregationExpression)> fields)
    {
        _id = id;
        _fields = fields;
    }

    public static GroupStage Parse(BsonValue spec)
    {
        if (spec is not BsonDocument doc) throw new CommandFailure(15947, "Location15947", "a group's fields must be specified in an object");
        if (!doc.TryGetValue("_id", out var idSpec)) throw new CommandFailure(15955, "Location15955", "a group specification must include an _id");
        var fields = new List<(string, string, AggregationExpression)>();
        foreach (var element in doc.Where(e => e.Name != "_id"))
        {
            if (element.Name.Contains('.')) throw new CommandFailure(40235, "Location40235", $"The field name '{element.Name}' cannot contain '.'");
            if (element.Value is not BsonDocument { ElementCount: 1 } accumulator)
                throw new CommandFailure(40234, "Location40234", $"The field '{element.Name}' must be an accumulator object");
            var op = accumulator.GetElement(0).Name;
            if (!Accumulator.IsKnown(op)) throw new CommandFailure(15952, "Location15952", $"unknown group operator '{op}'");
            if (op == "$count" && accumulator[0] is not BsonDocument { ElementCount: 0 })
                throw CommandFailure.BadValue("$count takes no arguments, i.e. $count:{}");
            fields.Add((element.Name, op, AggregationExpression.Parse(op == "$count" ? BsonNull.Value : accumulator[0])));
        }
        return new GroupStage(AggregationExpression.Parse(idSpec), fields);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var groups = new Dictionary<BsonValue, List<Accumulator>>(BsonValueOrder.Instance);
        var order = new List<BsonValue>();
        foreach (var doc in input)
        {
            var key = _id.Evaluate(doc) ?? BsonNull.Value;
            if (!groups.TryGetValue(key, out var accumulators))
            {
                accumulators = _fields.Select(f => Accumulator.Create(f.Accumulator)).ToList();
                groups[key] = accumulators;
                order.Add(key);
            }
            for (var i = 0; i < _fields.Count; i++) accumulators[i].Add(_fields[i].Argument.Evaluate(doc));
        }
        foreach (var key in order)
        {
            var result = new BsonDocument("_id", key);
            var accumulators = groups[key];
            for (var i = 0; i < _fields.Count; i++) result[_fields[i].Name] = accumulators[i].Result() ?? BsonNull.Value;
            yield return result;
        }
    }
}

/// <summary>$sortByCount: {$group: {_id: expr, count: {$sum: 1}}} then {$sort: {count: -1}}.</summary>
internal sealed class SortByCountStage(AggregationExpression groupBy) : IPipelineStage
{
    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var counts = new Dictionary<BsonValue, int>(BsonValueOrder.Instance);
        var order = new List<BsonValue>();
        foreach (var doc in input)
        {
            var key = groupBy.Evaluate(doc) ?? BsonNull.Value;
            if (counts.TryAdd(key, 1)) order.Add(key);
            else counts[key]++;
        }
        return order.Select(k => new BsonDocument { { "_id", k }, { "count", counts[k] } })
            .OrderByDescending(d => d["count"].AsInt32);
    }
}

/// <summary>
/// $bucketAuto {groupBy, buckets, output?}: sorts by the groupBy value and cuts into buckets of about
/// round(n / buckets) documents, never splitting equal values and putting every remaining document into
/// the last bucket, as mongod does. Each bucket is {_id: {min, max}, count} (or the output accumulators);
/// a bucket's max is the next bucket's min, the last bucket's max its largest value. Drivers and tools
/// use it to find split points of a collection.
/// </summary>
internal sealed class BucketAutoStage : IPipelineStage
{
    private readonly AggregationExpression _groupBy;
    private readonly int _buckets;
    private readonly List<(string Name, string Accumulator, AggregationExpression Argument)> _output;

    private BucketAutoStage(AggregationExpression groupBy, int buckets, List<(string, string, AggregationExpression)> output)
    {
        _groupBy = groupBy;
        _buckets = buckets;
        _output = output;
    }

    public static BucketAutoStage Parse(BsonValue spec)
    {
        if (spec is not BsonDocument doc) throw new CommandFailure(40240, "Location40240", "The argument to $bucketAuto must be an object");
        foreach (var name in doc.Names)
            if (name is not ("groupBy" or "buckets" or "output"))
                throw new CommandFailure(40245, "Location40245", $"Unrecognized option to $bucketAuto: {name}.");
        if (!doc.TryGetValue("groupBy", out var groupBy) || !doc.TryGetValue("buckets", out var buckets))
            throw new CommandFailure(40246, "Location40246", "$bucketAuto requires 'groupBy' and 'buckets' to be specified");
        if (!BsonValueOrder.IsNumber(buckets) || buckets.ToDouble() <= 0 || buckets.ToDouble() != Math.Floor(buckets.ToDouble()))
            throw new CommandFailure(40243, "Location40243", $"The $bucketAuto 'buckets' field must be greater than 0, but found: {buckets}");
        if (groupBy is not (BsonString { Value: ['$', ..] } or BsonDocument))
            throw new CommandFailure(40239, "Location40239", "The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an expression object");
        var output = new List<(string, string, AggregationExpression)>();
        if (doc.TryGetValue("output", out var outputSpec))
        {
            if (outputSpec is not BsonDocument fields) throw new CommandFailure(40244, "Location40244", "The $bucketAuto 'output' field must be an object");
            foreach (var field in fields)
            {
                if (field.Value is not BsonDocument { ElementCount: 1 } accumulator || !Accumulator.IsKnown(accumulator.GetElement(0).Name))
                    throw new CommandFailure(40234, "Location40234", $"The field '{field.Name}' must be an accumulator object");
                output.Add((field.Name, accumulator.GetElement(0).Name, AggregationExpression.Parse(accumulator[0])));
            }
        }
        else output.Add(("count", "$sum", AggregationExpression.Parse(1)));
        return new BucketAutoStage(AggregationExpression.Parse(groupBy), buckets.ToInt32(), output);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var sorted = input.Select(d => (Key: _groupBy.Evaluate(d) ?? BsonNull.Value, Doc: d))
            .OrderBy(p => p.Key, BsonValueOrder.Instance).ToList();
        var approxSize = Math.Max(1L, (long)Math.Round(sorted.Count / (double)_buckets, MidpointRounding.AwayFromZero));
        var next = 0;
        for (var bucketNumber = 1; bucketNumber <= _buckets && next < sorted.Count; bucketNumber++)
        {
            var start = next;
            var isLast = bucketNumber == _buckets;
            next = isLast ? sorted.Count : (int)Math.Min(sorted.Count, start + approxSize);
            while (next < sorted.Count && BsonValueOrder.Instance.Equals(sorted[next - 1].Key, sorted[next].Key)) next++;
            var max = next < sorted.Count ? sorted[next].Key : sorted[next - 1].Key;
            var result = new BsonDocument("_id", new BsonDocument { { "min", sorted[start].Key }, { "max", max } });
            foreach (var (name, op, argument) in _output)
            {
                var accumulator = Accumulator.Create(op);
                for (var i = start; i < next; i++) accumulator.Add(argument.Evaluate(sorted[i].Doc));
                result[name] = accumulator.Result() ?? BsonNull.Value;
            }
            yield return result;
        }
    }
}

/// <summary>$unwind: one output document per array element; options includeArrayIndex and preserveNullAndEmptyArrays.</summary>
internal sealed class UnwindStage(string[] path, string? indexField, bool preserveEmpty) : IPipelineStage
{
    public static UnwindStage Parse(BsonValue spec)
    {
        string? pathText;
        string? indexField = null;
        var preserve = false;
        if (spec is BsonString s) pathText = s.Value;
        else if (spec is BsonDocument d)
        {
            pathText = d.GetValue("path", null) is BsonString p ? p.Value : throw new CommandFailure(28812, "Location28812", "no path specified to $unwind stage");
            if (d.GetValue("includeArrayIndex", null) is { } index)
                indexField = index is BsonString { Value: var name } && name.Length > 0 && !name.StartsWith('$') ? name
                    : throw new CommandFailure(28822, "Location28822", "includeArrayIndex option to $unwind stage should be a non-empty string not starting with '$'");
            if (d.GetValue("preserveNullAndEmptyArrays", null) is { } keep)
                preserve = keep is BsonBoolean b ? b.Value : throw new CommandFailure(28809, "Location28809", "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage");
            foreach (var name in d.Names)
                if (name is not ("path" or "includeArrayIndex" or "preserveNullAndEmptyArrays"))
                    throw new CommandFailure(28811, "Location28811", $"unrecognized option to $unwind stage: {name}");
        }
        else throw new CommandFailure(15981, "Location15981", $"expected either a string or an object as specification for $unwind stage, got {BsonTypeNames.AliasOf(spec)}");
        if (!pathText.StartsWith('$')) throw new CommandFailure(28818, "Location28818", $"path option to $unwind stage should be prefixed with a '$': {pathText}");
        return new UnwindStage(FieldPath.Parse(pathText[1..]).Parts, indexField, preserve);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        foreach (var doc in input)
        {
            var value = FieldPath.GetExact(doc, string.Join('.', path));
            if (value is BsonArray { Count: > 0 } array)
            {
                for (var i = 0; i < array.Count; i++) yield return With(doc, array[i], i);
            }
            else if (value is BsonArray || value is null || value.IsBsonNull)
            {
                if (preserveEmpty) yield return With(doc, value is null or BsonArray ? null : value, null);
            }
            else yield return With(doc, value, null);
        }
    }

    private BsonDocument With(BsonDocument doc, BsonValue? element, int? index)
    {
        var result = doc.DeepClone().AsBsonDocument;
        BsonDocument? parent = result;
        for (var i = 0; i < path.Length - 1 && parent is not null; i++) parent = parent.GetValue(path[i], null) as BsonDocument;
        if (element is null) parent?.Remove(path[^1]);
        else if (parent is not null) parent[path[^1]] = element;
        if (indexField is not null) result[indexField] = index is null ? BsonNull.Value : (BsonValue)(long)index.Value;
        return result;
    }
}
