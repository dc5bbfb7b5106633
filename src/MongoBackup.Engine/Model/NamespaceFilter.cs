namespace MongoBackup.Engine.Model;

/// <summary>
/// Which namespaces a backup or restore takes. Database patterns match database names; collection patterns
/// match either the collection name or the whole "db.collection" (so "sales.order*" and "order*" both work).
/// admin is taken like any database when no -Database is given (mongodump without --db dumps admin's collections and
/// mongorestore --dir restores them), otherwise only by its exact name or '*'; local and config, the server's own, only
/// when a pattern names them: -Database by its exact name, or a -Collection or -NamespaceInclude pattern "local.*".
/// Database and collection patterns are PowerShell wildcards (<see cref="NamePattern"/>); namespace include and
/// exclude patterns follow mongorestore's --nsInclude syntax (<see cref="NamespacePattern"/>).
/// </summary>
public sealed class NamespaceFilter
{
    private static readonly string[] SystemDatabases = ["admin", "local", "config"];

    // admin's users, roles, auth schema and cluster signing keys (and the temporary collections of a users restore):
    // never namespaces a filter takes. Users and roles are restored with -IncludeUsersAndRoles (TakesUsersAndRolesOf),
    // the keys are the server's own (mongodump skips admin.system.keys: mongodump/prepare.go, shouldSkipSystemNamespace).
    private static readonly HashSet<string> AdminAuthCollections = new(StringComparer.Ordinal)
        { "system.users", "system.roles", "system.version", "system.keys", "system.new_users", "system.backup_users" };

    /// <summary>
    /// A filter from the cmdlets' parameters; each list empty or null when not given.
    /// </summary>
    /// <param name="databases">-Database: PowerShell wildcards for database names; every user database when empty.</param>
    /// <param name="collections">-Collection: wildcards for collection names or "db.collection"; every collection when empty.</param>
    /// <param name="excludeCollections">-ExcludeCollection: the same form, left out.</param>
    /// <param name="namespaceInclude">-NamespaceInclude: mongorestore --nsInclude patterns that a namespace must match.</param>
    /// <param name="namespaceExclude">-NamespaceExclude: mongorestore --nsExclude patterns, left out.</param>
    /// <param name="excludeDatabases">-ExcludeDatabase: wildcards for database names, left out (before anything else).</param>
    /// <exception cref="MongoBackupException">InvalidArgument: a namespace include or exclude pattern holds '$'.</exception>
    public NamespaceFilter(
        IEnumerable<string>? databases = null,
        IEnumerable<string>? collections = null,
        IEnumerable<string>? excludeCollections = null,
        IEnumerable<string>? namespaceInclude = null,
        IEnumerable<string>? namespaceExclude = null,
        IEnumerable<string>? excludeDatabases = null)
    {
        Databases = (databases ?? []).Select(p => new NamePattern(p)).ToList();
        Collections = (collections ?? []).Select(p => new NamePattern(p)).ToList();
        ExcludeCollections = (excludeCollections ?? []).Select(p => new NamePattern(p)).ToList();
        NamespaceInclude = (namespaceInclude ?? []).Select(NamespacePattern.ForMatching).ToList();
        NamespaceExclude = (namespaceExclude ?? []).Select(NamespacePattern.ForMatching).ToList();
        ExcludeDatabases = (excludeDatabases ?? []).Select(p => new NamePattern(p)).ToList();
    }

    /// <summary>No pattern at all: every namespace of every database except local and config (admin's collections included).</summary>
    public static NamespaceFilter Everything { get; } = new();

    /// <summary>
    /// Every namespace, local's and config's too: what a source holds, for the messages that name it (a pattern that
    /// matches nothing is judged against all of it, so that -Database config is not said to match nothing).
    /// </summary>
    public static NamespaceFilter EveryNamespace { get; } = new(databases: ["*", "local", "config"]);

    /// <summary>Whether no pattern was given (as <see cref="Everything"/>): the user chose nothing, so nothing they chose can be wrong.</summary>
    public bool SelectsEverything =>
        Databases.Count == 0 && Collections.Count == 0 && ExcludeCollections.Count == 0
        && NamespaceInclude.Count == 0 && NamespaceExclude.Count == 0 && ExcludeDatabases.Count == 0;

    /// <summary>The -Database patterns.</summary>
    public IReadOnlyList<NamePattern> Databases { get; }
    /// <summary>The -Collection patterns.</summary>
    public IReadOnlyList<NamePattern> Collections { get; }
    /// <summary>The -ExcludeCollection patterns.</summary>
    public IReadOnlyList<NamePattern> ExcludeCollections { get; }
    /// <summary>The -NamespaceInclude patterns.</summary>
    public IReadOnlyList<NamespacePattern> NamespaceInclude { get; }
    /// <summary>The -NamespaceExclude patterns.</summary>
    public IReadOnlyList<NamespacePattern> NamespaceExclude { get; }
    /// <summary>The -ExcludeDatabase patterns.</summary>
    public IReadOnlyList<NamePattern> ExcludeDatabases { get; }

    /// <summary>
    /// The same filter, where a database or collection pattern that is exactly the name of one of
    /// <paramref name="present"/> (say 'log[2024]') matches that name only instead of acting as a wildcard.
    /// </summary>
    public NamespaceFilter PreferringExactNames(IEnumerable<(string Database, string Collection)> present)
    {
        var names = present.ToList();
        var databases = names.Select(n => n.Database).ToHashSet(StringComparer.Ordinal);
        var collections = names.SelectMany(n => new[] { n.Collection, n.Database + "." + n.Collection }).ToHashSet(StringComparer.Ordinal);
        return new NamespaceFilter(
            Literal(Databases, databases), Literal(Collections, collections), Literal(ExcludeCollections, collections),
            NamespaceInclude.Select(p => p.Pattern), NamespaceExclude.Select(p => p.Pattern), Literal(ExcludeDatabases, databases));

        static IEnumerable<string> Literal(IEnumerable<NamePattern> patterns, HashSet<string> existing) =>
            patterns.Select(p => p.HasWildcards && existing.Contains(p.Pattern) ? NamePattern.Escape(p.Pattern) : p.Pattern);
    }

    /// <summary>
    /// Whether any namespace of <paramref name="database"/> can be taken: not excluded, and matched by a database pattern.
    /// Without -Database every database but local and config (admin's own collections with the rest, as mongodump without
    /// --db dumps them and mongorestore --dir restores them; its users and roles are <see cref="TakesUsersAndRolesOf"/>'s);
    /// local and config only when named: by their exact -Database name, or by a -Collection or -NamespaceInclude pattern
    /// starting with "name.". A -Database wildcard takes admin only as '*' (every database), local and config never.
    /// </summary>
    public bool IncludesDatabase(string database)
    {
        if (ExcludeDatabases.Any(p => p.IsMatch(database))) return false;
        if (Databases.Count == 0) return !IsServerDatabase(database) || NamesDatabase(database);
        return Databases.Any(p => p.IsMatch(database)
            && (!SystemDatabases.Contains(database) || !p.HasWildcards || database == "admin" && p.Pattern == "*"));
    }

    /// <summary>
    /// Whether <paramref name="database"/> is local or config: the server's own (its oplog and replica set state; sessions,
    /// transactions, routing caches), left out of a backup or restore that does not name it.
    /// </summary>
    public static bool IsServerDatabase(string database) => database is "local" or "config";

    /// <summary>Whether a -Collection or -NamespaceInclude pattern names <paramref name="database"/> as its database part ("config.settings").</summary>
    private bool NamesDatabase(string database) =>
        NamespaceInclude.Any(p => p.Pattern.StartsWith(database + ".", StringComparison.Ordinal))
        || Collections.Any(p => p.Pattern.StartsWith(database + ".", StringComparison.Ordinal));

    /// <summary>
    /// Whether the filter takes every database: no -Database (or one that is just '*') and no -NamespaceInclude.
    /// -Collection and -ExcludeCollection choose collections inside the databases, and -ExcludeDatabase is for
    /// <see cref="IncludesDatabase"/> to judge. A backup or restore of every database takes the server's users and
    /// roles whole, admin's own among them (<see cref="TakesUsersAndRolesOf"/>).
    /// </summary>
    public bool SelectsEveryDatabase => NamespaceInclude.Count == 0 && (Databases.Count == 0 || Databases.Any(p => p.Pattern == "*"));

    /// <summary>
    /// Whether -IncludeUsersAndRoles takes the users and roles defined on <paramref name="database"/>: those of every
    /// database it takes (<see cref="IncludesDatabase"/>) other than admin; admin's own when it takes every database
    /// (<see cref="SelectsEveryDatabase"/>) or names admin exactly (-Database admin, -NamespaceInclude 'admin.…'), and
    /// -ExcludeDatabase does not name admin. Users usually live in admin, so
    /// a whole backup or restore without them would leave out every user; mongorestore restores admin's users on a
    /// restore without --db (mongo-tools mongorestore/metadata.go ShouldRestoreUsersAndRoles: "is doing a full restore").
    /// </summary>
    public bool TakesUsersAndRolesOf(string database)
    {
        if (database != "admin") return IncludesDatabase(database);
        if (ExcludeDatabases.Any(p => p.IsMatch(database))) return false;
        return SelectsEveryDatabase || Databases.Any(p => p.Pattern == "admin")
            || NamespaceInclude.Any(p => p.Pattern.StartsWith("admin.", StringComparison.Ordinal));
    }

    /// <summary>
    /// Whether the namespace <paramref name="database"/>.<paramref name="collection"/> is taken: every pattern given agrees,
    /// and it is not one of admin's auth or key collections (users and roles are <see cref="TakesUsersAndRolesOf"/>'s).
    /// </summary>
    public bool Includes(string database, string collection)
    {
        if (!IncludesDatabase(database)) return false;
        if (database == "admin" && AdminAuthCollections.Contains(collection)) return false;
        var ns = database + "." + collection;
        if (Collections.Count > 0 && !Collections.Any(p => p.IsMatch(collection) || p.IsMatch(ns))) return false;
        if (ExcludeCollections.Any(p => p.IsMatch(collection) || p.IsMatch(ns))) return false;
        if (NamespaceInclude.Count > 0 && !NamespaceInclude.Any(p => p.IsMatch(ns))) return false;
        return !NamespaceExclude.Any(p => p.IsMatch(ns));
    }
}
