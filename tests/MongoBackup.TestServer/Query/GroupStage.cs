using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// $group with the one accumulator this project sends, $sum (the driver's CountDocuments is
/// {$group: {_id: 1, n: {$sum: 1}}}): documents with equal _id values (MongoDB equality: 1 == 1.0) share a group, and
/// $sum adds the numbers among its argument's values, ignoring everything else, with int32 widening to int64 and then
/// double as MongoDB's does. Any other accumulator fails as MongoDB fails an unknown one: 15952,
/// "unknown group operator '$x'" (src/mongo/db/pipeline/accumulation_statement.cpp).
/// </summary>
internal sealed class GroupStage : IPipelineStage
{
    private readonly AggregationExpression _id;
    private readonly List<(string Name, AggregationExpression Argument)> _sums;
    private readonly BsonValueOrder _keyOrder;

    private GroupStage(AggregationExpression id, List<(string, AggregationExpression)> sums, BsonValueOrder keyOrder)
    {
        _id = id;
        _sums = sums;
        _keyOrder = keyOrder;
    }

    /// <summary>The stage whose group keys are equal when <paramref name="keyOrder"/> (the aggregate's collation) says so.</summary>
    public static GroupStage Parse(BsonValue spec, BsonValueOrder keyOrder)
    {
        if (spec is not BsonDocument doc) throw new CommandFailure(15947, "Location15947", "a group's fields must be specified in an object");
        if (!doc.TryGetValue("_id", out var idSpec)) throw new CommandFailure(15955, "Location15955", "a group specification must include an _id");
        var sums = new List<(string, AggregationExpression)>();
        foreach (var element in doc.Where(e => e.Name != "_id"))
        {
            if (element.Name.Contains('.')) throw new CommandFailure(40235, "Location40235", $"The field name '{element.Name}' cannot contain '.'");
            if (element.Value is not BsonDocument { ElementCount: 1 } accumulator)
                throw new CommandFailure(40234, "Location40234", $"The field '{element.Name}' must be an accumulator object");
            var op = accumulator.GetElement(0).Name;
            if (op != "$sum") throw new CommandFailure(15952, "Location15952", $"unknown group operator '{op}'");
            sums.Add((element.Name, AggregationExpression.Parse(accumulator[0])));
        }
        return new GroupStage(AggregationExpression.Parse(idSpec), sums, keyOrder);
    }

    public IEnumerable<BsonDocument> Run(IEnumerable<BsonDocument> input)
    {
        var groups = new Dictionary<BsonValue, BsonValue[]>(_keyOrder);
        var order = new List<BsonValue>();
        foreach (var doc in input)
        {
            var key = _id.Evaluate(doc) ?? BsonNull.Value;
            if (!groups.TryGetValue(key, out var totals))
            {
                totals = _sums.Select(_ => (BsonValue)0).ToArray();
                groups[key] = totals;
                order.Add(key);
            }
            for (var i = 0; i < _sums.Count; i++) totals[i] = Add(totals[i], _sums[i].Argument.Evaluate(doc));
        }
        foreach (var key in order)
        {
            var result = new BsonDocument("_id", key);
            for (var i = 0; i < _sums.Count; i++) result[_sums[i].Name] = groups[key][i];
            yield return result;
        }
    }

    /// <summary>$sum of one value: a number is added; an array's numbers are not (that is $sum as an expression).</summary>
    private static BsonValue Add(BsonValue total, BsonValue? value) =>
        value is not null && BsonValueOrder.IsNumber(value) ? BsonArithmetic.Add(total, value) : total;
}
