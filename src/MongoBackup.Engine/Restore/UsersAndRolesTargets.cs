using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Where -IncludeUsersAndRoles puts each database's users and roles: in the database its collections are restored
/// into. A database restored under its own name keeps its users there; a database renamed whole (-RenameDatabase
/// 'hr=hr_u', or a -NamespaceMap sending all of it to one database) has its users and roles restored as the renamed
/// database's (<see cref="AuthDocumentRename"/>), never into the source-named database, which the restore was not told
/// to touch. mongorestore has no such rename: its --restoreDbUsersAndRoles needs --db and merges through
/// _mergeAuthzCollections with that db, which takes only the users and roles whose own db is it (mongo-tools
/// mongorestore/metadata.go RestoreUsersOrRoles; MongoDB's user_management_commands.cpp), so a dump's hr users restored
/// with --db hr_u are left out rather than written to hr.
/// </summary>
public sealed class UsersAndRolesTargets
{
    private readonly Dictionary<string, string> _targets;
    private readonly NamespaceMap _map;
    private readonly Func<string, bool> _includesDatabase;

    private UsersAndRolesTargets(Dictionary<string, string> targets, NamespaceMap map, Func<string, bool> includesDatabase) =>
        (_targets, _map, _includesDatabase) = (targets, map, includesDatabase);

    /// <summary>
    /// The targets of the databases <paramref name="includesDatabase"/> takes (the restore's
    /// <see cref="NamespaceFilter.TakesUsersAndRolesOf"/>: admin's too on a restore of every database): each database's collections in
    /// <paramref name="plan"/> all go to one database, which its users and roles follow (a database without collections
    /// in the plan, such as one holding only users, follows <paramref name="map"/> as a collection of it would).
    /// </summary>
    /// <exception cref="MongoBackupException">
    /// InvalidArgument: a database's collections are renamed into several databases, so its users and roles have no one
    /// place to go; raised before anything is written.
    /// </exception>
    public static UsersAndRolesTargets For(IReadOnlyList<PlannedNamespace> plan, NamespaceMap map, IDumpReader reader, Func<string, bool> includesDatabase)
    {
        // admin.system.users/roles hold admin's own users and roles (and a whole dump's, every database's); a database's
        // $admin.system.users/roles its own. The auth schema alone (system.version) holds none.
        var databases = plan.Select(p => p.Source.Database)
            .Concat(reader.Namespaces.Where(ns => RestorePlanner.IsAuthCollection(ns) && !ns.Collection.EndsWith("system.version", StringComparison.Ordinal))
                .Select(ns => ns.Database))
            .Where(includesDatabase).Distinct(StringComparer.Ordinal);
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var database in databases)
        {
            var into = plan.Where(p => p.Source.Database == database).Select(p => p.TargetDatabase).Distinct(StringComparer.Ordinal).ToList();
            if (into.Count > 1)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"-IncludeUsersAndRoles cannot restore the users and roles of {database}: its collections are renamed into " +
                    $"{string.Join(", ", into.Order(StringComparer.Ordinal))}, and users and roles belong to one database. " +
                    $"Rename {database} whole (-RenameDatabase '{database}=<new name>'), or restore without -IncludeUsersAndRoles.",
                    target: database);
            targets[database] = into.Count == 1 ? into[0] : map.Map(database, "system.users").Database;
        }
        return new UsersAndRolesTargets(targets, map, includesDatabase);
    }

    /// <summary>The database the users and roles of <paramref name="database"/> are restored into; null when the restore does not take them.</summary>
    public string? TargetOf(string database) =>
        _targets.TryGetValue(database, out var target) ? target
        : _includesDatabase(database) ? _map.Map(database, "system.users").Database : null;

    /// <summary>
    /// Where a copied user's or role's reference to <paramref name="database"/> (a granted role's db, a privilege on the
    /// whole database) points: the database that database's users and roles, or else its collections, are renamed into;
    /// itself when the restore does not rename it. "" (any database) and admin, local and config (the server's own: the
    /// built-in roles of admin, a privilege on local.oplog.rs) are never renamed.
    /// </summary>
    public string DatabaseReference(string database) =>
        database.Length == 0 || ServerDatabases.Contains(database) ? database
        : _targets.TryGetValue(database, out var target) ? target
        : _map.Map(database, "system.users").Database;

    /// <summary>
    /// Where a copied role's privilege on <paramref name="database"/>.<paramref name="collection"/> points: the
    /// collection's own rename when a rule names it (a -NamespaceMap of that collection, or its whole database,
    /// '$db$.$coll$' forms included), else the same collection in <see cref="DatabaseReference"/>. A resource of any database
    /// ("" db) or of admin, local or config is kept; "" collection is the whole database.
    /// </summary>
    public (string Database, string Collection) ResourceReference(string database, string collection)
    {
        if (database.Length == 0 || ServerDatabases.Contains(database)) return (database, collection);
        if (collection.Length == 0) return (DatabaseReference(database), collection);
        var mapped = _map.MapStored(database, collection);
        return mapped == (database, collection) ? (DatabaseReference(database), collection) : mapped;
    }

    private static readonly HashSet<string> ServerDatabases = new(StringComparer.Ordinal) { "admin", "local", "config" };

    /// <summary>Each database the plan restores (or whose own copy of users and roles the dump holds) and where its users and roles go, by source name.</summary>
    public IEnumerable<(string Source, string Target)> Databases =>
        _targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value));
}
