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

    private static string Show(char c) => c switch { ' ' => "a space", '\0' => "NUL", _ => $"'{c}'" };
}
