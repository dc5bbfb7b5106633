using MongoBackup.Engine.Catalog;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// MongoDB refuses to create a database whose name differs only in case from one it holds (DatabaseDifferCase, code
/// 13297, "db already exists with different case already have: [hr] trying to create [HR]": mongod's
/// src/mongo/db/catalog/database_holder_impl.cpp, DatabaseHolderImpl::openDb, comparing names ASCII case-insensitively).
/// A restore into such a name (-RenameDatabase 'hr=HR') would fail every namespace of it, yet its users and roles,
/// which live in admin, would still be written as the refused database's. So the restore checks its target databases
/// against the server's (and against each other) first, and refuses before writing anything.
/// </summary>
public static class DatabaseNameCase
{
    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> differ, but only in the case of ASCII letters.</summary>
    public static bool DifferOnlyInCase(string a, string b) =>
        a.Length == b.Length && !string.Equals(a, b, StringComparison.Ordinal)
        && a.Zip(b).All(p => p.First == p.Second || char.IsAsciiLetter(p.First) && char.IsAsciiLetter(p.Second) && (p.First | 0x20) == (p.Second | 0x20));

    /// <summary>
    /// Refuses a restore whose <paramref name="plan"/> (or whose users and roles, <paramref name="usersAndRoles"/>) goes
    /// into a database whose name differs only in case from one the target holds or another target of the restore.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument, naming both databases and the source renamed into the first.</exception>
    public static async Task RefuseAsync(IMongoClient client, IReadOnlyList<PlannedNamespace> plan, UsersAndRolesTargets? usersAndRoles, CancellationToken ct)
    {
        var targets = plan.Select(p => (Source: p.Source.Database, Target: p.TargetDatabase))
            .Concat(usersAndRoles?.Databases ?? [])
            .DistinctBy(t => t.Target, StringComparer.Ordinal)
            .ToList();
        if (targets.Count == 0) return;
        var existing = await CollectionCatalog.ListDatabasesAsync(client, ct);
        foreach (var (source, target) in targets)
        {
            if (existing.FirstOrDefault(e => DifferOnlyInCase(e, target)) is { } held)
                throw Refusal(source, target, $"the target server holds the database {held}");
            if (targets.Where(t => DifferOnlyInCase(t.Target, target)).Select(t => $"this restore also restores {t.Source} into {t.Target}").FirstOrDefault() is { } also)
                throw Refusal(source, target, also);
        }
    }

    private static MongoBackupException Refusal(string source, string target, string clash) =>
        new(ErrorIds.InvalidArgument,
            $"Cannot restore {source} into {target}: {clash}, whose name differs only in case, and MongoDB refuses a database " +
            $"name that differs from another only in case (DatabaseDifferCase). Nothing was written. Rename it to a name " +
            $"that differs by more than case (-RenameDatabase '{source}=<new name>').",
            target: target);
}
