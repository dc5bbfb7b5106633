using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a dump holds that a restore taking every database leaves out by the module's rules, where mongorestore --dir
/// would restore it, said on the warning stream before anything is written so a DBA rebuilding a server is not told
/// "Succeeded" over a silent gap:
/// the collections of local and config (mongorestore 100.11 restores whatever a folder holds of them, skipping only
/// system.profile: mongorestore/filepath.go; it leaves config out only when replaying an oplog, outside
/// common/dumprestore ConfigCollectionsToKeep), which this module restores only when named, since writing a server's
/// own replica set state, sessions, transactions or routing caches into a live server is not a restore of data;
/// and the users and roles it holds without -IncludeUsersAndRoles (mongorestore restores them by default on a restore
/// without --db: mongorestore/metadata.go ShouldRestoreUsersAndRoles), which stay opt-in here, as on a backup.
/// </summary>
internal static class LeftOutOfRestore
{
    private const int Named = 20;

    /// <summary>The warnings for <paramref name="reader"/> restored with <paramref name="request"/>; none when nothing is left out.</summary>
    public static async Task WarnAsync(IDumpReader reader, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, IEngineObserver observer, CancellationToken ct)
    {
        var filter = RestorePlanner.EffectiveFilter(reader, request.Filter);
        if (!filter.SelectsEveryDatabase) return; // a chosen selection leaves the rest out by the user's own choice
        var serverOwn = reader.Namespaces
            .Where(ns => NamespaceFilter.IsServerDatabase(ns.Database) && !filter.IncludesDatabase(ns.Database) && ns.Collection != "system.profile")
            .Select(ns => ns.Database + "." + ns.Collection).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (serverOwn.Count > 0)
            observer.Warning($"{reader.Location} holds {Some(serverOwn)} of the server's own databases local and config, which a restore of " +
                "every database leaves out (mongorestore --dir would restore them): written into a live server they would overwrite its " +
                "replica set state, sessions or routing. Restore them by name if you mean to (-Database config, -Collection " +
                $"'{serverOwn[0]}'), into a server where that is safe.");

        if (request.IncludeUsersAndRoles) return;
        var left = await UsersAndRolesLeftOutAsync(reader, request, plan, ct);
        if (left is not { Count: 0 })
            observer.Warning($"{reader.Location} holds users and roles{(left is null ? "" : $" ({Some(left)})")} that this restore leaves out: they are restored only " +
                "with -IncludeUsersAndRoles (mongorestore restores them by default). Restore again with -IncludeUsersAndRoles to bring them back.");
    }

    /// <summary>
    /// The users and roles ("user alice@admin", "role manageOp@admin") -IncludeUsersAndRoles would restore; null when
    /// they cannot be read or placed (a rename that splits a database: the -IncludeUsersAndRoles run refuses it itself).
    /// </summary>
    private static async Task<IReadOnlyList<string>?> UsersAndRolesLeftOutAsync(IDumpReader reader, RestoreRequest request,
        IReadOnlyList<PlannedNamespace> plan, CancellationToken ct)
    {
        if (!reader.Namespaces.Any(RestorePlanner.IsAuthCollection)) return [];
        try
        {
            var targets = UsersAndRolesTargets.For(plan, request.Map, reader, RestorePlanner.EffectiveFilter(reader, request.Filter).TakesUsersAndRolesOf);
            var read = await UsersAndRolesRead.ReadAsync(reader, targets, ct);
            return read.Documents
                .Select(d => $"{(d.IsUser ? "user" : "role")} {d.Source.GetValue(d.IsUser ? "user" : "role", d.Source.GetValue("_id", ""))}@{d.SourceDatabase}")
                .ToList();
        }
        catch (Exception e) when (e is MongoBackupException or CorruptDumpException)
        {
            return null;
        }
    }

    private static string Some(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(Named)) + (names.Count > Named ? $" and {names.Count - Named} more" : "");
}
