using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Compares index keys under a collation, as a unique index with a collation does in MongoDB: two strings the collation
/// deems equal ("a" and "A" at strength 2) are one key. MongoDB uses ICU; this uses .NET's CompareInfo, which is ICU on
/// Linux, through sort keys. Covered: any locale .NET knows by its ICU name ("en", "en_US", "fr"), strength 1 (base
/// letters: case and accents ignored), 2 (accents count, case ignored) and 3 (the default: case counts too), with the
/// other fields at the defaults MongoDB reports in listIndexes (caseLevel false, caseFirst "off", numericOrdering false,
/// alternate "non-ignorable", normalization false, backwards false; maxVariable and version as given). Anything else
/// (strengths 4 and 5, caseLevel, numeric ordering, "@collation=" variants) is refused loudly when the index or
/// collection is created, never compared some other way.
/// </summary>
internal sealed class CollationKeys
{
    private static readonly Dictionary<string, BsonValue> Defaults = new(StringComparer.Ordinal)
    {
        ["caseLevel"] = false, ["caseFirst"] = "off", ["numericOrdering"] = false, ["alternate"] = "non-ignorable",
        ["normalization"] = false, ["backwards"] = false,
    };

    private readonly CompareInfo _compare;
    private readonly CompareOptions _options;

    private CollationKeys(CompareInfo compare, CompareOptions options)
    {
        _compare = compare;
        _options = options;
    }

    /// <summary>The comparer of a spec's collation; null for none or {locale: "simple"} (binary comparison).</summary>
    /// <exception cref="CommandFailure">The collation is malformed, or uses what the test server does not implement.</exception>
    public static CollationKeys? For(BsonDocument spec)
    {
        if (!spec.TryGetValue("collation", out var value)) return null;
        if (value is not BsonDocument collation) throw CommandFailure.TypeMismatch("collation must be an object: " + value.ToJson());
        if (!collation.TryGetValue("locale", out var locale) || !locale.IsString)
            throw new CommandFailure(40414, "Location40414", "BSON field 'locale' is missing but a required field");
        if (locale.AsString == "simple") return null;
        foreach (var element in collation)
        {
            if (element.Name is "locale" or "strength" or "maxVariable" or "version") continue;
            if (!Defaults.TryGetValue(element.Name, out var expected))
                throw new CommandFailure(40415, "Location40415", $"BSON field 'collation.{element.Name}' is an unknown field.");
            if (!element.Value.Equals(expected))
                throw NotImplemented(collation, $"{element.Name}: {element.Value.ToJson()}");
        }
        var strength = collation.GetValue("strength", 3);
        if (!strength.IsNumeric || strength.ToDouble() is < 1 or > 5)
            throw CommandFailure.BadValue($"Field 'strength' must be an integer 1 through 5. Got: {strength.ToJson()}");
        var options = strength.ToInt32() switch
        {
            1 => CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace | CompareOptions.IgnoreWidth | CompareOptions.IgnoreKanaType,
            2 => CompareOptions.IgnoreCase | CompareOptions.IgnoreWidth | CompareOptions.IgnoreKanaType,
            3 => CompareOptions.None,
            _ => throw NotImplemented(collation, "strength " + strength),
        };
        return new CollationKeys(Culture(locale.AsString, collation).CompareInfo, options);
    }

    /// <summary>The value with every string (nested ones too) replaced by its collation key, for equality lookups.</summary>
    public BsonValue Key(BsonValue value) => value switch
    {
        BsonString s => new BsonBinaryData(_compare.GetSortKey(s.Value, _options).KeyData, BsonBinarySubType.UserDefined),
        BsonDocument d => new BsonDocument(d.Select(e => new BsonElement(e.Name, Key(e.Value)))),
        BsonArray a => new BsonArray(a.Select(Key)),
        _ => value,
    };

    private static CultureInfo Culture(string locale, BsonDocument collation)
    {
        if (AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant)
            throw NotImplemented(collation, "any locale while .NET runs without ICU (invariant globalization)");
        if (locale.Contains('@')) throw NotImplemented(collation, "locale variant " + locale);
        try
        {
            return CultureInfo.GetCultureInfo(locale.Replace('_', '-'), predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            throw CommandFailure.BadValue($"Field 'locale' is invalid in: {collation.ToJson()}");
        }
    }

    private static CommandFailure NotImplemented(BsonDocument collation, string what) =>
        new(59, "CommandNotFound", $"the in-memory test server does not implement collation {what} (in {collation.ToJson()})");
}
