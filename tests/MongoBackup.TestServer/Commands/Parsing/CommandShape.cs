using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Wire;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The fields a command (or a struct inside one, such as an update statement) takes, checked as the parser mongod
/// generates from the command's IDL checks them (src/mongo/idl/idl_parser.cpp, and the generated parse methods): in
/// the body's order, a field neither declared nor generic is unknown (40415), a declared one of another type is a
/// TypeMismatch (14), null or undefined counts as absent (unless the field's type parses itself), a misnamed array member is 40422/40423; then a required
/// field absent is 40414. Only after the whole body parses is a declared field this server does not serve refused.
/// </summary>
internal sealed class CommandShape
{
    private readonly Dictionary<string, FieldRule> _fields;

    /// <param name="source">The IDL file the fields come from, for the reader.</param>
    /// <param name="strict">IDL's "strict": false leaves fields it does not declare to the command's own code.</param>
    /// <param name="value">The rule of the command's own value, when it is a field of the struct (applyOps' entries).</param>
    public CommandShape(string source, Dictionary<string, FieldRule> fields, bool strict = true, FieldRule? value = null)
    {
        Source = source;
        _fields = fields;
        _strict = strict;
        _value = value;
    }

    private readonly FieldRule? _value;

    private readonly bool _strict;

    public string Source { get; }

    /// <summary>Checks <paramref name="document"/>, skipping its first <paramref name="skip"/> fields (a command's name), its fields named under <paramref name="path"/>.</summary>
    public void Check(BsonDocument document, string path, int skip = 0, IReadOnlyDictionary<string, MisnamedMember>? misnamed = null, bool generic = false)
    {
        if (_value != null && document.ElementCount > 0 && document[0] is var own && !own.IsBsonNull)
        {
            var name = document.GetElement(0).Name;
            if (_value.Types != null && !_value.Types.Contains(own.BsonType)) throw WrongType($"{path}.{name}", own, _value.Types);
            if (own is BsonArray && misnamed != null && misnamed.TryGetValue(name, out var member)) throw member.Failure($"{path}.{name}");
        }
        var present = new HashSet<string>(StringComparer.Ordinal);
        CommandFailure? notServed = null;
        foreach (var element in document.Skip(skip))
        {
            var name = element.Name;
            if (generic && GenericArguments.IsGeneric(name)) continue;
            if (!_fields.TryGetValue(name, out var rule))
            {
                if (!_strict) continue;
                throw new CommandFailure(40415, "Location40415", $"BSON field '{path}.{name}' is an unknown field.");
            }
            var value = element.Value;
            // The generated parser's type check takes null (or undefined) as the field being absent; a field whose
            // type has a parser of its own (IDL "any", e.g. updateZoneKeyRange's zone: null) is given the null.
            if ((value.IsBsonNull || value.BsonType == BsonType.Undefined) && rule.Types != null) continue;
            if (rule.Types != null && !rule.Types.Contains(value.BsonType)) throw WrongType($"{path}.{name}", value, rule.Types);
            if (value is BsonArray array)
            {
                if (misnamed != null && misnamed.TryGetValue(name, out var member)) throw member.Failure($"{path}.{name}");
                if (rule.Members != null)
                    foreach (var item in array)
                        if (item is BsonDocument struc) rule.Members.Check(struc, $"{path}.{name}");
                        else throw WrongType($"{path}.{name}", item, [BsonType.Document]);
            }
            else if (value is BsonDocument inner && rule.Members != null)
            {
                // A field whose type is an IDL struct (create's timeseries): its fields are checked under its name.
                rule.Members.Check(inner, $"{path}.{name}");
            }
            if (value.IsNumeric) CheckBounds(rule, $"{path}.{name}", value);
            present.Add(name);
            if (notServed == null && rule.ServedOnlyWhen is { } served && !served(value))
                notServed = NotServed($"{path}.{name}", value);
        }
        foreach (var (name, rule) in _fields)
            if (rule.IsRequired && !present.Contains(name))
                throw new CommandFailure(40414, "Location40414", $"BSON field '{path}.{name}' is missing but a required field");
        if (notServed != null) throw notServed;
    }

    /// <summary>An IDL validator's bounds (gte, lte, lt): a number outside is refused with throwComparisonError's 51024 (idl_parser.h).</summary>
    private static void CheckBounds(FieldRule rule, string path, BsonValue value)
    {
        var number = value.ToDouble();
        var (op, bound) = rule switch
        {
            { AtLeast: { } min } when number < min => (">=", min),
            { AtMost: { } max } when number > max => ("<=", max),
            { Below: { } lt } when number >= lt => ("<", lt),
            _ => ("", 0L),
        };
        if (op.Length > 0)
            throw new CommandFailure(51024, "Location51024", $"BSON field '{path}' value must be {op} {bound}, actual value '{value.ToInt64()}'");
    }

    /// <summary>IDLParserContext::checkAndAssertType(s) (idl_parser.cpp): one type is "expected type", several "expected types".</summary>
    private static CommandFailure WrongType(string path, BsonValue value, BsonType[] types)
    {
        var actual = BsonTypeNames.AliasOf(value.BsonType);
        var expected = types.Length == 1
            ? $"expected type '{BsonTypeNames.AliasOf(types[0])}'"
            : $"expected types '[{string.Join(", ", types.Select(BsonTypeNames.AliasOf))}']";
        return CommandFailure.TypeMismatch($"BSON field '{path}' is the wrong type '{actual}', {expected}");
    }

    private static CommandFailure NotServed(string path, BsonValue value) =>
        new(59, "CommandNotFound", $"the in-memory test server does not implement '{path}' (given {value.ToJson()})");
}
