using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// One field of a command as mongod's IDL parser declares it: the BSON types it takes (null: any), whether it is
/// required, the bound its validator sets, and whether this server serves it. A field declared but not served is
/// refused (CommandNotFound, as everything this server leaves out) unless its value is one that changes nothing.
/// </summary>
internal sealed record FieldRule(BsonType[]? Types)
{
    // Type lists as src/mongo/idl/basic_types.idl declares them, in its order (the order mongod's message lists them in).
    public static readonly FieldRule Bool = new([BsonType.Boolean]);
    public static readonly FieldRule SafeBool = new([BsonType.Boolean, BsonType.Int64, BsonType.Int32, BsonType.Decimal128, BsonType.Double]);
    public static readonly FieldRule SafeInt64 = new([BsonType.Int64, BsonType.Int32, BsonType.Decimal128, BsonType.Double]);
    public static readonly FieldRule Int = new([BsonType.Int32]);
    public static readonly FieldRule Long = new([BsonType.Int64]);
    public static readonly FieldRule Text = new([BsonType.String]);
    public static readonly FieldRule Document = new([BsonType.Document]);
    public static readonly FieldRule List = new([BsonType.Array]);
    public static readonly FieldRule Uuid = new([BsonType.Binary]);
    public static readonly FieldRule Timestamp = new([BsonType.Timestamp]);
    /// <summary>Types whose parser is the command's own (indexHint, count's limit, a pipeline): it names its own errors.</summary>
    public static readonly FieldRule Any = new((BsonType[]?)null);

    public bool IsRequired { get; init; }

    /// <summary>IDL's "validator: { gte: n }": a smaller number is refused with 51024.</summary>
    public long? AtLeast { get; init; }

    /// <summary>IDL's "validator: { lte: n }": a larger number is refused with 51024.</summary>
    public long? AtMost { get; init; }

    /// <summary>IDL's "validator: { lt: n }": n or more is refused with 51024.</summary>
    public long? Below { get; init; }

    /// <summary>When set, the field is not served: a value is refused unless this says it changes nothing.</summary>
    public Func<BsonValue, bool>? ServedOnlyWhen { get; init; }

    /// <summary>The struct of a document field, or of each member of an array field, when this server checks it (update's statements, create's timeseries).</summary>
    public CommandShape? Members { get; init; }

    public FieldRule Required() => this with { IsRequired = true };

    public FieldRule AtLeastZero() => this with { AtLeast = 0 };

    /// <summary>IDL's "validator: { gte: min[, lte: max] }".</summary>
    public FieldRule Within(long min, long? max = null) => this with { AtLeast = min, AtMost = max };

    /// <summary>IDL's "validator: { lt: bound }".</summary>
    public FieldRule LessThan(long bound) => this with { Below = bound };

    /// <summary>Not served at all: any value is refused.</summary>
    public FieldRule NotServed() => this with { ServedOnlyWhen = _ => false };

    /// <summary>Not served: refused unless false (or 0), which asks for nothing.</summary>
    public FieldRule NotServedWhenTrue() => this with { ServedOnlyWhen = value => !value.ToBoolean() };

    /// <summary>Served only when true (or non-zero): false asks for what this server does not do.</summary>
    public FieldRule NotServedWhenFalse() => this with { ServedOnlyWhen = value => value.ToBoolean() };

    public FieldRule Of(CommandShape members) => this with { Members = members };
}
