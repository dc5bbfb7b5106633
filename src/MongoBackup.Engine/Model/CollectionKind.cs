namespace MongoBackup.Engine.Model;

/// <summary>
/// What a namespace is, as listCollections' "type" and mongodump's metadata.json "type" name it: the kind every
/// part of the engine (the source's catalog, a dump's metadata, a restore's plan, the manifest) agrees on.
/// </summary>
public enum CollectionKind
{
    /// <summary>An ordinary collection (capped and clustered ones included): type "collection".</summary>
    Collection,

    /// <summary>A view: a pipeline over another collection, with no documents or indexes of its own: type "view".</summary>
    View,

    /// <summary>A time-series collection, whose documents live in its buckets collection (<see cref="TimeseriesBuckets"/>): type "timeseries".</summary>
    Timeseries,
}

/// <summary>The type names of <see cref="CollectionKind"/> and what goes with each kind.</summary>
public static class CollectionKinds
{
    /// <summary>The "type" of <paramref name="kind"/> in listCollections, metadata.json and the manifest: "collection", "view" or "timeseries".</summary>
    public static string TypeName(this CollectionKind kind) => kind switch
    {
        CollectionKind.View => "view",
        CollectionKind.Timeseries => "timeseries",
        _ => "collection",
    };

    /// <summary>The kind a "type" names; "collection" for any other value or none, as MongoDB reports ordinary collections.</summary>
    public static CollectionKind FromTypeName(string? type) => type switch
    {
        "view" => CollectionKind.View,
        "timeseries" => CollectionKind.Timeseries,
        _ => CollectionKind.Collection,
    };

    /// <summary>The collection that holds the documents of <paramref name="name"/>: its buckets for a time-series collection, else itself.</summary>
    public static string DataCollection(this CollectionKind kind, string name) =>
        kind == CollectionKind.Timeseries ? TimeseriesBuckets.Of(name) : name;
}

/// <summary>
/// Where a time-series collection keeps its documents: the collection system.buckets.NAME of the same database, as
/// listCollections, the oplog and mongodump before server 8.3 name it, while users, filters and renames name NAME
/// (MongoDB manual, "Time Series Collections"; mongo-tools mongodump/prepare.go). The one place this rule is written.
/// </summary>
public static class TimeseriesBuckets
{
    /// <summary>"system.buckets.": the prefix of every buckets collection.</summary>
    public const string Prefix = "system.buckets.";

    /// <summary>The buckets collection of time-series collection <paramref name="collection"/>: "system.buckets." + its name.</summary>
    public static string Of(string collection) => Prefix + collection;

    /// <summary>Whether <paramref name="collection"/> is a buckets collection.</summary>
    public static bool IsBuckets(string collection) => collection.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The time-series collection a buckets collection belongs to; any other name as it is.</summary>
    public static string CollectionOf(string collection) => IsBuckets(collection) ? collection[Prefix.Length..] : collection;
}
