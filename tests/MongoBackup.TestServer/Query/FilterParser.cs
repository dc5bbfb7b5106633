using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// Turns a filter document into the tree of match nodes and value predicates. Equality, ranges, $in and $all compare
/// under the given order (the query's collation); regexes, $type, $size, $mod and $exists ignore collation, as in mongod.
/// </summary>
internal sealed class FilterParser(BsonValueOrder order)
{
    /// <summary>The match tree of a filter whose values compare under <paramref name="order"/> (binary when null).</summary>
    public static MatchNode ParseDocument(BsonDocument filter, BsonValueOrder? order = null) => new FilterParser(order ?? BsonValueOrder.Instance).Document(filter);

    /// <summary>The predicate of an operator document ({$gt: 1, $lt: 5}) under <paramref name="order"/> (binary when null).</summary>
    public static ValuePredicate ParseOperators(BsonDocument operators, BsonValueOrder? order = null) => new FilterParser(order ?? BsonValueOrder.Instance).Operators(operators);

    private MatchNode Document(BsonDocument filter)
    {
        var nodes = new List<MatchNode>();
        foreach (var element in filter)
            nodes.Add(element.Name.StartsWith('$') ? ParseTopLevelOperator(element) : ParseField(element.Name, element.Value));
        return nodes.Count == 1 ? nodes[0] : new AndNode(nodes);
    }

    private MatchNode ParseTopLevelOperator(BsonElement element)
    {
        switch (element.Name)
        {
            case "$and": return new AndNode(ParseClauses(element));
            case "$or": return new OrNode(ParseClauses(element));
            case "$nor": return new NorNode(ParseClauses(element));
            case "$jsonSchema": return new JsonSchemaNode(JsonSchema.Parse(element.Value));
            case "$comment": return new AndNode([]);
            case "$alwaysTrue": return new AndNode([]);
            case "$alwaysFalse": return new OrNode([]);
            default: throw CommandFailure.BadValue($"unknown top level operator: {element.Name}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.");
        }
    }

    private List<MatchNode> ParseClauses(BsonElement element)
    {
        if (element.Value is not BsonArray { Count: > 0 } clauses)
            throw CommandFailure.BadValue($"{element.Name} must be a nonempty array");
        return clauses.Select(c => c is BsonDocument d
            ? Document(d)
            : throw CommandFailure.BadValue($"{element.Name} argument's entries must be objects")).ToList();
    }

    private MatchNode ParseField(string path, BsonValue value) =>
        new FieldNode(FieldPath.Parse(path), [ParseCondition(value)]);

    /// <summary>The condition for one field: an operator document, a regex literal, or a value to equal.</summary>
    private ValuePredicate ParseCondition(BsonValue value)
    {
        if (value is BsonRegularExpression regex) return new RegexPredicate(regex);
        if (IsOperatorDocument(value)) return Operators(value.AsBsonDocument);
        return new EqualsPredicate(value, order);
    }

    public static bool IsOperatorDocument(BsonValue value) =>
        value is BsonDocument { ElementCount: > 0 } doc && doc.GetElement(0).Name.StartsWith('$')
        && doc.GetElement(0).Name is not ("$ref" or "$id" or "$db");

    private ValuePredicate Operators(BsonDocument operators)
    {
        var parts = new List<ValuePredicate>();
        foreach (var element in operators)
        {
            switch (element.Name)
            {
                case "$options":
                    if (!operators.Contains("$regex")) throw CommandFailure.BadValue("$options needs a $regex");
                    break;
                case "$regex":
                    parts.Add(ParseRegex(element.Value, operators.GetValue("$options", null)));
                    break;
                default:
                    parts.Add(ParseOperator(element.Name, element.Value));
                    break;
            }
        }
        return parts.Count == 1 ? parts[0] : new AllOfPredicate(parts);
    }

    private static ValuePredicate ParseRegex(BsonValue pattern, BsonValue? options)
    {
        var optionText = options is null ? "" : options is BsonString s ? s.Value : throw CommandFailure.BadValue("$options has to be a string");
        return pattern switch
        {
            BsonString p => new RegexPredicate(new BsonRegularExpression(p.Value, optionText)),
            BsonRegularExpression re when optionText.Length == 0 => new RegexPredicate(re),
            BsonRegularExpression => throw CommandFailure.BadValue("options set in both $regex and $options"),
            _ => throw CommandFailure.BadValue("$regex has to be a string"),
        };
    }

    private ValuePredicate ParseOperator(string name, BsonValue operand)
    {
        switch (name)
        {
            case "$eq": return new EqualsPredicate(operand, order);
            case "$ne": return new NotPredicate(new EqualsPredicate(operand, order));
            case "$gt" or "$gte" or "$lt" or "$lte": return new RangePredicate(name, operand, order);
            case "$in": return new InPredicate(RequireArray(name, operand), order);
            case "$nin": return new NotPredicate(new InPredicate(RequireArray(name, operand), order));
            case "$exists": return new ExistsPredicate(TrueValue(operand));
            case "$type": return new TypePredicate(operand);
            case "$mod": return new ModPredicate(operand);
            case "$size": return new SizePredicate(ParseSize(operand));
            case "$all": return new AllPredicate(RequireArray(name, operand).Select(ParseAllItem).ToList());
            case "$elemMatch": return ParseElemMatch(operand);
            case "$not": return new NotPredicate(ParseNot(operand));
            default: throw CommandFailure.BadValue($"unknown operator: {name}");
        }
    }

    private static BsonArray RequireArray(string name, BsonValue operand)
    {
        if (operand is not BsonArray array) throw CommandFailure.BadValue($"{name} needs an array");
        if (name is "$in" or "$nin" && array.Any(IsOperatorDocument))
            throw CommandFailure.BadValue($"cannot nest $ under {name}");
        return array;
    }

    private static int ParseSize(BsonValue operand)
    {
        if (!BsonValueOrder.IsNumber(operand)) throw CommandFailure.BadValue("$size needs a number");
        var size = operand.ToDouble();
        if (size != Math.Floor(size)) throw CommandFailure.BadValue("$size must be a whole number");
        if (size < 0) throw CommandFailure.BadValue("$size may not be negative");
        return (int)size;
    }

    private ValuePredicate ParseAllItem(BsonValue item)
    {
        if (item is BsonDocument { ElementCount: 1 } d && d.GetElement(0).Name == "$elemMatch") return ParseElemMatch(d[0]);
        if (item is BsonDocument od && IsOperatorDocument(od)) throw CommandFailure.BadValue("no $ expressions in $all");
        return item is BsonRegularExpression re ? new RegexPredicate(re) : new EqualsPredicate(item, order);
    }

    private ValuePredicate ParseElemMatch(BsonValue operand)
    {
        if (operand is not BsonDocument spec) throw CommandFailure.BadValue("$elemMatch needs an Object");
        var valueForm = spec.ElementCount > 0 && spec.Names.All(n => n.StartsWith('$') && n is not ("$and" or "$or" or "$nor" or "$expr"));
        return valueForm ? new ElemMatchPredicate(Operators(spec)) : new ElemMatchPredicate(Document(spec));
    }

    private ValuePredicate ParseNot(BsonValue operand) => operand switch
    {
        BsonRegularExpression re => new RegexPredicate(re),
        BsonDocument { ElementCount: > 0 } d when IsOperatorDocument(d) => Operators(d),
        BsonDocument { ElementCount: 0 } => throw CommandFailure.BadValue("$not cannot be empty"),
        _ => throw CommandFailure.BadValue("$not needs a regex or a document"),
    };

    /// <summary>BSONElement::trueValue, how $exists reads its operand: false, null, undefined and numeric zero are false.</summary>
    private static bool TrueValue(BsonValue value) => value switch
    {
        BsonBoolean b => b.Value,
        BsonNull or BsonUndefined => false,
        _ when BsonValueOrder.IsNumber(value) => !BsonArithmetic.IsZero(value),
        _ => true,
    };
}
