namespace MongoBackup.Engine.Dump;

/// <summary>
/// Whose users and roles a backup saves. mongodump copies admin.system.users and admin.system.roles whole whenever the
/// admin database is dumped (a whole-instance dump included), and those hold the users of every database, the admin
/// ones first among them; a backup of chosen databases saves only the users and roles defined on those.
/// </summary>
public static class UsersAndRolesScope
{
    /// <summary>
    /// The databases whose users and roles to save; null for all of them: a backup of every database (no -Database, or
    /// -Database '*') or one naming admin (<see cref="NamespaceFilter.TakesUsersAndRolesOf"/>).
    /// </summary>
    public static IReadOnlyCollection<string>? For(NamespaceFilter filter, IEnumerable<string> backedUpDatabases)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter.TakesUsersAndRolesOf("admin") ? null : backedUpDatabases.Distinct().ToList();
    }
}
