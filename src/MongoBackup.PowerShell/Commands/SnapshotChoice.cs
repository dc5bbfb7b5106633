using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// The refusal of -Repository given without -Id to a cmdlet that acts on chosen snapshots. -Id is not mandatory there,
/// so that this error (which names the ways to choose) comes instead of PowerShell's prompt for Id[0], which a DBA cannot
/// answer without first listing the repository, and which a scheduled script would hang on.
/// </summary>
internal static class SnapshotChoice
{
    /// <param name="command">The cmdlet's name, as the pipeline in the message calls it.</param>
    /// <param name="doing">What the cmdlet does to a snapshot, as "which one to ..." reads ("test", "restore").</param>
    /// <param name="repository">The -Repository given, as the user wrote it.</param>
    /// <param name="more">Another way to choose that this cmdlet offers, as a sentence; null for none.</param>
    /// <param name="newest">The newest snapshots -Id could name, newest first, so the id to give is in the message; none is chosen for the user.</param>
    public static MongoBackupException Missing(string command, string doing, string repository, string? more = null, IReadOnlyList<string>? newest = null) => new(ErrorIds.InvalidArgument,
        $"-Repository names where snapshots are, not which one to {doing}: give -Id ({Listed(newest)}tab completion lists them), or pipe the newest full one, " +
        $"Get-MongoSnapshot -Repository {repository} -Latest | {command} ... (add -Database <name> to Get-MongoSnapshot for the newest holding that database)." +
        (more is null ? "" : $" {more}"),
        target: "Id");

    private static string Listed(IReadOnlyList<string>? newest) =>
        newest is null ? "" : newest.Count == 0 ? "it holds no snapshot to give; " : $"the newest there: {string.Join(", ", newest)}; ";

    /// <summary>How many of the newest snapshots a refusal names: enough to pick the one wanted, few enough to read.</summary>
    public const int NewestShown = 3;

    /// <summary>The ids of the newest complete snapshots of a catalog, newest first (only full ones when <paramref name="fullOnly"/>, for a restore).</summary>
    public static IReadOnlyList<string> Newest(IEnumerable<SnapshotManifest> complete, bool fullOnly) =>
        complete.Where(m => !fullOnly || m.Kind == SnapshotKind.Full).OrderByDescending(m => m.StartTime).ThenByDescending(m => m.Id, StringComparer.Ordinal)
            .Take(NewestShown).Select(m => m.Id).ToList();
}
