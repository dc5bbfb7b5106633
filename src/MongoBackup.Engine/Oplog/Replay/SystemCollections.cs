namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The system collections a replay meets in user databases: system.views (one document per view, _id "db.view"),
/// system.buckets.NAME (the storage of time-series collection NAME) and system.js; the others are the server's own.
/// </summary>
public static class SystemCollections
{
    /// <summary>A database's view definitions.</summary>
    public const string Views = "system.views";

    /// <summary>Stored JavaScript functions: user data, restored like a collection.</summary>
    public const string JavaScript = "system.js";

    /// <summary>The user-visible collection a collection belongs to: NAME for system.buckets.NAME, else itself.</summary>
    public static string OwnerOf(string collection) =>
        TimeseriesBuckets.CollectionOf(collection);

    /// <summary>
    /// Whether the collection is the copy a rename across databases fills in the target database before renaming it onto
    /// its final name (MongoDB 4.2+, rename_collection.cpp renameBetweenDBs: "tmp%%%%%.renameCollection", each % a letter or digit).
    /// </summary>
    public static bool IsRenameCopy(string collection) =>
        collection.Length == "tmp00000.renameCollection".Length && collection.StartsWith("tmp", StringComparison.Ordinal)
        && collection.EndsWith(".renameCollection", StringComparison.Ordinal) && collection.AsSpan(3, 5).ToString().All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// The collection a convertToCapped converts, when <paramref name="collection"/> is the capped copy it fills before
    /// renaming it over that collection (MongoDB 4.4+, src/mongo/db/catalog/capped_utils.cpp: "tmp%%%%%.convertToCapped.NAME",
    /// each % a letter or digit; its inserts logged with fromMigrate: true); null for any other collection.
    /// </summary>
    public static string? ConvertToCappedSource(string collection)
    {
        const string infix = ".convertToCapped.";
        return collection.Length > "tmp00000".Length + infix.Length && collection.StartsWith("tmp", StringComparison.Ordinal)
            && collection.AsSpan(3, 5).ToString().All(char.IsAsciiLetterOrDigit)
            && collection.AsSpan(8).StartsWith(infix, StringComparison.Ordinal)
            ? collection[(8 + infix.Length)..]
            : null;
    }

    /// <summary>Whether writes to the collection are the server's own bookkeeping rather than user data or views.</summary>
    public static bool IsServerOwned(string collection) =>
        collection.StartsWith("system.", StringComparison.Ordinal)
        && collection != Views && collection != JavaScript && !TimeseriesBuckets.IsBuckets(collection);
}

/// <summary>"db.coll" namespaces as oplog entries write them.</summary>
public static class NamespaceName
{
    /// <summary>Splits at the first dot ("db.$cmd" gives "$cmd"; a name without a dot is a database).</summary>
    public static (string Database, string Collection) Split(string ns)
    {
        var dot = ns.IndexOf('.');
        return dot < 0 ? (ns, "") : (ns[..dot], ns[(dot + 1)..]);
    }
}
