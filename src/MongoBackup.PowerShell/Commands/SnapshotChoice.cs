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
    public static MongoBackupException Missing(string command, string doing, string repository, string? more = null) => new(ErrorIds.InvalidArgument,
        $"-Repository names where snapshots are, not which one to {doing}: give -Id (tab completion lists them), or pipe the newest full one, " +
        $"Get-MongoSnapshot -Repository {repository} -Latest | {command} ... (add -Database <name> to Get-MongoSnapshot for the newest holding that database)." +
        (more is null ? "" : $" {more}"),
        target: "Id");
}
