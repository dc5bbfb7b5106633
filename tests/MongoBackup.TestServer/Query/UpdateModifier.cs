using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>One operator applied to one path ({$inc: {"a.b": 1}} gives one modifier for "a.b").</summary>
internal sealed class UpdateModifier
{
    private static readonly HashSet<string> Known =
    [
        "$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$push", "$addToSet", "$pop", "$pull",
        "$pullAll", "$currentDate", "$setOnInsert", "$bit",
    ];

    private UpdateModifier(string op, string path, BsonValue argument)
    {
        Operator = op;
        Path = path;
        Argument = argument;
    }

    public string Operator { get; }
    public string Path { get; }
    public BsonValue Argument { get; }

    /// <summary>
    /// Where this modifier sits among an update's operators, which apply in path order: its path, except that a $rename
    /// is applied at its destination (src/mongo/db/update/update_object_node.cpp, parseAndMerge: the RenameNode goes at
    /// the "to" path, a conflict placeholder at the source).
    /// </summary>
    public string OrderPath => Operator == "$rename" ? Argument.AsString : Path;

    /// <summary>The paths this modifier writes (two for $rename), for conflict detection and ordering.</summary>
    public IEnumerable<string> TouchedPaths => Operator == "$rename" ? [Path, Argument.AsString] : [Path];

    public static IEnumerable<UpdateModifier> Parse(string op, BsonValue fields)
    {
        if (!Known.Contains(op))
            throw CommandFailure.FailedToParse($"Unknown modifier: {op}. Expected a valid update modifier or pipeline-style update specified as an array");
        if (fields is not BsonDocument doc)
            throw CommandFailure.FailedToParse($"Modifiers operate on fields but we found type {BsonTypeNames.AliasOf(fields)} instead. For example: {{$mod: {{<field>: ...}}}} not {{{op}: {fields}}}");
        foreach (var element in doc)
        {
            if (element.Name.Length == 0 || element.Name.Split('.').Any(p => p.Length == 0))
                throw new CommandFailure(56, "EmptyFieldName", $"An update path cannot contain an empty field name: '{element.Name}'");
            Validate(op, element);
            yield return new UpdateModifier(op, element.Name, element.Value);
        }
    }

    private static void Validate(string op, BsonElement element)
    {
        switch (op)
        {
            case "$inc" or "$mul" when !BsonValueOrder.IsNumber(element.Value):
                throw CommandFailure.TypeMismatch($"Cannot {(op == "$inc" ? "increment" : "multiply")} with non-numeric argument: {{{element.Name}: {element.Value}}}");
            case "$rename" when element.Value is not BsonString:
                throw CommandFailure.BadValue($"The 'to' field for $rename must be a string: {element.Name}: {element.Value}");
            case "$rename" when element.Value.AsString == element.Name:
                throw CommandFailure.BadValue($"The source and target field for $rename must differ: {element.Name}: {element.Value}");
            case "$pop" when !BsonValueOrder.IsNumber(element.Value) || Math.Abs(element.Value.ToDouble()) != 1:
                throw CommandFailure.FailedToParse($"Expected a number in: {element.Name}: {element.Value}");
            case "$pullAll" when element.Value is not BsonArray:
                throw CommandFailure.BadValue($"$pullAll requires an array argument but was given a {BsonTypeNames.AliasOf(element.Value)}");
            case "$bit":
                ValidateBit(element);
                break;
            case "$currentDate" when !(element.Value is BsonBoolean || element.Value is BsonDocument { ElementCount: 1 } d && d.GetElement(0).Name == "$type" && d[0] is BsonString { Value: "date" or "timestamp" }):
                throw CommandFailure.BadValue($"{element.Name} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({{$type: 'timestamp/date'}}).");
        }
    }

    // bit_node.cpp, BitNode::init: an embedded document of and/or/xor with 32- or 64-bit integer operands, at least one.
    private static void ValidateBit(BsonElement element)
    {
        if (element.Value is not BsonDocument operations)
            throw CommandFailure.BadValue($"The $bit modifier is not compatible with a {BsonTypeNames.AliasOf(element.Value)}. You must pass in an embedded document: {{$bit: {{field: {{and/or/xor: #}}}}");
        foreach (var operation in operations)
        {
            if (operation.Name is not ("and" or "or" or "xor"))
                throw CommandFailure.BadValue($"The $bit modifier only supports 'and', 'or', and 'xor', not '{operation.Name}' which is an unknown operator: {{{operation.Name}: {operation.Value}}}");
            if (operation.Value is not (BsonInt32 or BsonInt64))
                throw CommandFailure.BadValue($"The $bit modifier field must be an Integer(32/64 bit); a '{BsonTypeNames.AliasOf(operation.Value)}' is not supported here: {{{operation.Name}: {operation.Value}}}");
        }
        if (operations.ElementCount == 0)
            throw CommandFailure.BadValue("You must pass in at least one bitwise operation. The format is: {$bit: {field: {and/or/xor: #}}");
    }

    /// <summary>
    /// Applies this operator to <paramref name="doc"/>, recording in <paramref name="log"/> (when given) the paths it
    /// changed as the operator's update node in mongod logs them (src/mongo/db/update/modifier_node.cpp and the
    /// *_node.cpp of each operator).
    /// </summary>
    public void Apply(BsonDocument doc, UpdatePathWalker walker, bool isUpsertInsert, OperatorUpdateLog? log = null)
    {
        switch (Operator)
        {
            case "$setOnInsert":
                if (isUpsertInsert) walker.Visit(doc, Path, true, s => Logged(s, log, () => s.Set(Argument.DeepClone())));
                break;
            case "$set":
                walker.Visit(doc, Path, true, s => Logged(s, log, () => s.Set(Argument.DeepClone())));
                break;
            case "$unset":
                walker.Visit(doc, Path, false, s => Unset(s, log));
                break;
            case "$inc" or "$mul":
                walker.Visit(doc, Path, true, s => Logged(s, log, () => ApplyArithmetic(s)));
                break;
            case "$min" or "$max":
                walker.Visit(doc, Path, true, s => Logged(s, log, () => ApplyExtreme(s)));
                break;
            case "$bit":
                walker.Visit(doc, Path, true, s => Logged(s, log, () => ApplyBit(s, doc)));
                break;
            case "$currentDate":
                var stamp = Argument is BsonDocument { } t && t[0].AsString == "timestamp"
                    ? (BsonValue)new BsonTimestamp((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1)
                    : new BsonDateTime(DateTime.UtcNow);
                walker.Visit(doc, Path, true, s => Logged(s, log, () => s.Set(stamp)));
                break;
            case "$rename":
                ApplyRename(doc, walker, log);
                break;
            default:
                walker.Visit(doc, Path, Operator is "$push" or "$addToSet", s => LogArrayChange(s, log, ArrayModifiers.Apply(Operator, Argument, s, doc)));
                break;
        }
    }

    // ModifierNode::apply: an existing value is logged as updated unless the operator left it byte for byte the same
    // (kNoOp); a missing one as created, from the first component the update had to create.
    private static void Logged(UpdateSlot slot, OperatorUpdateLog? log, Action change)
    {
        var before = slot.Get();
        change();
        if (log is null) return;
        var after = slot.Get();
        if (after is null) return;
        if (before is null) log.Created(slot.Taken, slot.FirstCreatedParent ?? slot.Taken.Count - 1);
        else if (!BsonIdentity.Same(before, after)) log.Updated(slot.Taken);
    }

    // unset_node.cpp, logUpdate: a removed field is logged as deleted; an array element, which $unset sets to null,
    // as updated.
    private static void Unset(UpdateSlot slot, OperatorUpdateLog? log)
    {
        if (slot.Get() is null) return;
        slot.Remove();
        if (log is null) return;
        if (slot.IsArrayElement) log.Updated(slot.Taken);
        else log.Deleted(slot.Taken);
    }

    // push_node.cpp / addtoset_node.cpp, logUpdate: elements only appended are each logged as created at their index;
    // any other change logs the whole array (kNormalUpdate), a new array as created.
    private static void LogArrayChange(UpdateSlot slot, OperatorUpdateLog? log, ArrayChange change)
    {
        if (log is null) return;
        switch (change.Kind)
        {
            case ArrayChangeKind.Created:
                log.Created(slot.Taken, slot.FirstCreatedParent ?? slot.Taken.Count - 1);
                break;
            case ArrayChangeKind.Whole:
                log.Updated(slot.Taken);
                break;
            case ArrayChangeKind.Appended:
                var size = slot.Get()!.AsBsonArray.Count;
                for (var i = size - change.Appended; i < size; i++)
                    log.Created([.. slot.Taken, new UpdatePathComponent(i.ToString(System.Globalization.CultureInfo.InvariantCulture), true)], slot.Taken.Count);
                break;
        }
    }

    private void ApplyArithmetic(UpdateSlot slot)
    {
        var current = slot.Get();
        if (current is null)
        {
            slot.Set(Operator == "$inc" ? Argument : BsonArithmetic.Multiply(Argument, 0));
            return;
        }
        if (!BsonValueOrder.IsNumber(current))
            throw CommandFailure.TypeMismatch($"Cannot apply {Operator} to a value of non-numeric type. The field '{slot.Name}' is of non-numeric type {BsonTypeNames.AliasOf(current)}");
        slot.Set(Operator == "$inc" ? BsonArithmetic.Add(current, Argument) : BsonArithmetic.Multiply(current, Argument));
    }

    // bit_node.cpp: an existing integer gets the operations in order (logged as updated, through ModifierNode, unless
    // the value is identical); a missing field is created from int 0. SafeNum widens int to long when either side is long.
    private void ApplyBit(UpdateSlot slot, BsonDocument doc)
    {
        var current = slot.Get();
        if (current is not null and not (BsonInt32 or BsonInt64))
            throw CommandFailure.BadValue($"Cannot apply $bit to a value of non-integral type.{(doc.TryGetValue("_id", out var id) ? "_id: " + id : "")} has the field {slot.Name} of non-integer type {BsonTypeNames.AliasOf(current)}");
        BsonValue value = current ?? new BsonInt32(0);
        foreach (var operation in Argument.AsBsonDocument)
        {
            var wide = value is BsonInt64 || operation.Value is BsonInt64;
            long a = value.ToInt64(), b = operation.Value.ToInt64();
            var result = operation.Name switch { "and" => a & b, "or" => a | b, _ => a ^ b };
            value = wide ? new BsonInt64(result) : new BsonInt32((int)result);
        }
        if (current is null || !BsonIdentity.Same(current, value)) slot.Set(value);
    }

    private void ApplyExtreme(UpdateSlot slot)
    {
        var current = slot.Get();
        var comparison = current is null ? 0 : BsonValueOrder.Instance.Compare(Argument, current);
        if (current is null || (Operator == "$min" ? comparison < 0 : comparison > 0)) slot.Set(Argument.DeepClone());
    }

    // rename_node.cpp: the destination is set as $set would (created or updated), then the source is logged as deleted.
    private void ApplyRename(BsonDocument doc, UpdatePathWalker walker, OperatorUpdateLog? log)
    {
        RejectArraysOnPath(doc, Path, "source");
        RejectArraysOnPath(doc, Argument.AsString, "destination");
        BsonValue? moved = null;
        IReadOnlyList<UpdatePathComponent> source = [];
        walker.Visit(doc, Path, false, s =>
        {
            moved = s.Get();
            source = s.Taken;
            s.Remove();
        });
        if (moved is null) return;
        walker.Visit(doc, Argument.AsString, true, s => Logged(s, log, () => s.Set(moved)));
        log?.Deleted(source);
    }

    private static void RejectArraysOnPath(BsonDocument doc, string path, string role)
    {
        BsonValue current = doc;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (current is not BsonDocument d || !d.TryGetValue(parts[i], out var next)) return;
            if (next is BsonArray)
                throw CommandFailure.BadValue($"The {role} field cannot be an array element, '{path}' has an array field called '{parts[i]}'");
            current = next;
        }
    }
}
