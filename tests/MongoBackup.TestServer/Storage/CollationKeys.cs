using System.Globalization;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A collation as the test server applies it: to index keys (two strings the collation deems equal, "a" and "A" at
/// strength 2, are one key of a unique index or of the _id index) and to queries, sorts and the documents an update or
/// delete targets. MongoDB uses ICU; this uses .NET's CompareInfo, which is ICU on Linux. Covered: any locale .NET knows
/// by its ICU name ("en", "en_US", "fr"), strength 1 (base letters: case and accents ignored), 2 (accents count, case
/// ignored) and 3 (the default: case counts too), numericOrdering (ICU's UCOL_NUMERIC_COLLATION, which .NET's
/// CompareOptions.NumericOrdering sets), with the other fields at the defaults MongoDB reports in listIndexes
/// (caseLevel false, caseFirst "off", alternate "non-ignorable", normalization false, backwards false; maxVariable and
/// version as given). Anything else (strengths 4 and 5, caseLevel, caseFirst, alternate "shifted", backwards,
/// "@collation=" variants) is refused loudly, never compared some other way.
/// </summary>
internal sealed class CollationKeys
{
    private static readonly Dictionary<string, BsonValue> Defaults = new(StringComparer.Ordinal)
    {
        ["caseLevel"] = false, ["caseFirst"] = "off", ["alternate"] = "non-ignorable",
        ["normalization"] = false, ["backwards"] = false,
    };

    private CollationKeys(CompareInfo compare, CompareOptions options) => Order = BsonValueOrder.Collated(compare, options);

    /// <summary>MongoDB's value order with strings compared under this collation.</summary>
    public BsonValueOrder Order { get; }

    /// <summary>The order of a collation document (as a command, index or collection gives it); simple for {locale: "simple"}.</summary>
    /// <exception cref="CommandFailure">The collation is malformed, or uses what the test server does not implement.</exception>
    public static BsonValueOrder OrderOf(BsonValue collation) => For(new BsonDocument("collation", collation))?.Order ?? BsonValueOrder.Instance;

    /// <summary>
    /// The collation a query, update or delete runs under: the command's own when it gives one, else the collection's
    /// default (docs, every command's collation option: "If the collation is unspecified but the collection has a
    /// default collation, the operation uses the collation specified for the collection"), else simple.
    /// </summary>
    public static BsonValueOrder Effective(BsonValue? commandCollation, Collection? collection) =>
        commandCollation is null or BsonNull ? collection?.Order ?? BsonValueOrder.Instance : OrderOf(commandCollation);

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
            if (element.Name is "locale" or "strength" or "maxVariable" or "version" or "numericOrdering") continue;
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
        if (collation.TryGetValue("numericOrdering", out var numeric))
        {
            if (!numeric.IsBoolean) throw CommandFailure.TypeMismatch($"BSON field 'collation.numericOrdering' is the wrong type '{BsonTypeNames.AliasOf(numeric)}', expected type 'bool'");
            if (numeric.AsBoolean) options |= CompareOptions.NumericOrdering;
        }
        return new CollationKeys(Culture(locale.AsString, collation).CompareInfo, options);
    }

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
