using System.Text;

namespace MongoBackup.Engine.Model;

/// <summary>
/// The names MongoDB takes for a database and a collection, as mongod judges them (src/mongo/db/namespace_string.h):
/// <list type="bullet">
/// <item>a database name (NamespaceString::validDBName): not empty, under 64 bytes, and none of '/', '\', '.', ' ', '"',
/// '$' or NUL (a server on Windows also refuses '*', '&lt;', '&gt;', ':', '|', '?', which a server elsewhere takes: those
/// are left to the server, which fails the namespace);</item>
/// <item>a collection name (NamespaceString::validCollectionName): not empty, not starting with '.', no '$' or NUL;</item>
/// <item>the whole "database.collection" at most 255 bytes (NamespaceString::MaxNsCollectionLen, MongoDB 4.4 and later;
/// catalog/collection_options and the create path refuse longer with InvalidNamespace).</item>
/// </list>
/// A restore whose renames form a name outside these would see every namespace of it refused by the server (InvalidNamespace,
/// "Invalid database name"), yet its users and roles, which live in admin, would still be written; so the names a restore
/// forms are checked before anything is written (<see cref="DatabaseProblem"/>, <see cref="NamespaceProblem"/>).
/// </summary>
public static class NamespaceNames
{
    /// <summary>A database name's bound: names of this many bytes or more are refused (validDBName: size() &gt;= 64).</summary>
    public const int DatabaseBytesLimit = 64;

    /// <summary>The longest "database.collection" MongoDB takes, in bytes (NamespaceString::MaxNsCollectionLen).</summary>
    public const int NamespaceBytesMax = 255;

    private static readonly char[] DatabaseForbidden = ['/', '\\', '.', ' ', '"', '$', '\0'];

    /// <summary>Why MongoDB refuses <paramref name="database"/> as a database name; null when it takes it.</summary>
    public static string? DatabaseProblem(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.Length == 0) return "a database name cannot be empty";
        if (database.IndexOfAny(DatabaseForbidden) is var at and >= 0)
            return $"a database name cannot contain {Show(database[at])} (MongoDB refuses /, \\, ., a space, \", $ and NUL in one)";
        var bytes = Encoding.UTF8.GetByteCount(database);
        if (bytes >= DatabaseBytesLimit) return $"a database name must be shorter than {DatabaseBytesLimit} bytes, and this one has {bytes}";
        return null;
    }

    // What a mongod on Windows also refuses in a database name (NamespaceString::validDBName under _WIN32; MongoDB's
    // "Naming Restrictions": /\. "$*<>:|? on Windows, /\. "$ elsewhere).
    private static readonly char[] WindowsOnlyForbidden = ['*', '<', '>', ':', '|', '?'];

    /// <summary>
    /// Why a database name the user is choosing now (a rename's target) is refused; null when it is taken. Stricter than
    /// <see cref="DatabaseProblem"/>: a name a mongod on Windows would refuse is refused on every platform, since it could
    /// not be restored there (nor dumped into a folder of its name), and a leading '&gt;' or '=' is a mistyped 'old=new'
    /// ('hr=&gt;hr_n' reads as hr to '&gt;hr_n'). A source database keeps whatever name its server gave it.
    /// </summary>
    public static string? NewDatabaseProblem(string database)
    {
        if (DatabaseProblem(database) is { } problem) return problem;
        if (database[0] is '>' or '=') return $"a new database name cannot start with '{database[0]}', which looks like a mistyped 'old=new'";
        if (database.IndexOfAny(WindowsOnlyForbidden) is var at and >= 0)
            return $"a database name cannot contain {Show(database[at])} (a MongoDB server on Windows refuses *, <, >, :, | and ?, so the name would not be portable)";
        return null;
    }

    /// <summary>Why MongoDB refuses <paramref name="collection"/> as a collection name; null when it takes it.</summary>
    public static string? CollectionProblem(string collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        if (collection.Length == 0) return "a collection name cannot be empty";
        if (collection[0] == '.') return "a collection name cannot start with '.'";
        if (collection.Contains('$')) return "a collection name cannot contain '$'";
        if (collection.Contains('\0')) return "a collection name cannot contain NUL";
        return null;
    }

    /// <summary>Why MongoDB refuses <paramref name="database"/>.<paramref name="collection"/>; null when it takes both names and their length.</summary>
    public static string? NamespaceProblem(string database, string collection)
    {
        if ((DatabaseProblem(database) ?? CollectionProblem(collection)) is { } problem) return problem;
        var bytes = Encoding.UTF8.GetByteCount(database) + 1 + Encoding.UTF8.GetByteCount(collection);
        return bytes > NamespaceBytesMax ? $"a namespace (database.collection) may hold at most {NamespaceBytesMax} bytes, and this one has {bytes}" : null;
    }

    /// <summary>
    /// Why a restore must not rename a collection into <paramref name="database"/>.<paramref name="collection"/>, a
    /// namespace MongoDB keeps for itself; null when it may. Names starting with "system." are the server's
    /// (mongod's NamespaceString::isSystem): admin's system.users, system.roles and system.version hold users, roles and
    /// the auth schema, restored by -IncludeUsersAndRoles with its own checks, never as a collection (mongorestore turns
    /// such a destination into its users and roles step, common/intents/intent.go IsUsers/IsRoles); system.buckets.NAME
    /// holds the buckets of the time-series collection NAME, which the server writes through it; system.profile is the
    /// profiler's (mongod refuses user inserts into it: mongorestore/filepath.go, TOOLS-717); system.views holds the
    /// database's view definitions, made by create. Only system.js is taken: mongodump dumps it and mongorestore restores
    /// it as an ordinary collection (stored JavaScript, which mongod lets clients write: isLegalClientSystemNS), so an
    /// ordinary collection may be renamed into it (<paramref name="ordinaryCollection"/>), never a view or time-series one.
    /// </summary>
    public static string? ReservedTargetProblem(string database, string collection, bool ordinaryCollection)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(collection);
        if (!collection.StartsWith("system.", StringComparison.Ordinal)) return null;
        if (collection == "system.js")
            return ordinaryCollection ? null : "system.js holds a database's stored JavaScript, and only an ordinary collection can be restored into it";
        if (database == "admin" && collection is "system.users" or "system.roles" or "system.version")
            return $"admin.{collection} holds MongoDB's users, roles and auth schema, which are restored with -IncludeUsersAndRoles " +
                "(with its checks and renames), never from a collection";
        if (collection.StartsWith("system.buckets.", StringComparison.Ordinal))
            return $"{collection} holds the buckets of the time-series collection {collection["system.buckets.".Length..]}, which MongoDB " +
                "writes itself (a time-series collection's buckets follow its own name: rename the time-series collection instead)";
        return collection switch
        {
            "system.profile" => "system.profile is the profiler's collection, which MongoDB writes itself and refuses inserts into",
            "system.views" => "system.views holds the database's view definitions, which MongoDB writes when a view is created " +
                "(a view is restored under its own name)",
            _ => $"MongoDB keeps collection names starting with 'system.' for its own use, and {collection} is one",
        };
    }

    private static string Show(char c) => c switch { ' ' => "a space", '\0' => "NUL", _ => $"'{c}'" };
}
