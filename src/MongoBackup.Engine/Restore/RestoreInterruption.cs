using System.Globalization;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a stopped restore (Ctrl+C) left on its target, in one message: the namespaces restored whole, those with part
/// of their documents (and how many the server acknowledged), those begun (the target collection created) with no
/// documents yet, those not begun (nothing created), and how to finish (-Resume) or start over (-Drop).
/// </summary>
public static class RestoreInterruption
{
    /// <summary>
    /// The message for a restore stopped by the user, from <paramref name="outcome"/>'s namespace stages and counts;
    /// <paramref name="databases"/>: what became of the databases a restore through a mongos created (null: none).
    /// </summary>
    public static string Describe(RestoreOutcome outcome, string? databases = null)
    {
        var complete = new List<string>();
        var partial = new List<string>();
        var created = new List<string>();
        var notStarted = new List<string>();
        foreach (var ns in outcome.Namespaces.Where(n => n.Error is null))
        {
            // The indexes are built last, after the oplog replay, even with -NoIndexRestore (those the replay created).
            var whole = ns.Type == "view" ? ns.Stage >= NamespaceRestoreStage.Created : ns.Stage == NamespaceRestoreStage.IndexesBuilt;
            if (whole) complete.Add(ns.TargetNamespace);
            else if (ns.Stage == NamespaceRestoreStage.NotStarted && ns.Documents == 0) notStarted.Add(ns.TargetNamespace);
            else if (ns.Stage == NamespaceRestoreStage.Created && ns.Documents == 0) created.Add(ns.TargetNamespace);
            else partial.Add(ns.Stage == NamespaceRestoreStage.DataRestored
                ? $"{ns.TargetNamespace} (all {Count(ns.Documents)} documents, indexes not built)"
                : $"{ns.TargetNamespace} ({Count(ns.Documents)} documents so far)");
        }
        var parts = new List<string> { $"Stopped: the restore from {outcome.Source} to {outcome.Target} was interrupted." };
        if (complete.Count > 0) parts.Add($"Restored whole: {string.Join(", ", complete)}.");
        if (partial.Count > 0) parts.Add($"Restored in part: {string.Join(", ", partial)}.");
        if (created.Count > 0) parts.Add($"Begun, created empty with no documents yet: {string.Join(", ", created)}.");
        if (notStarted.Count > 0) parts.Add($"Not begun: {string.Join(", ", notStarted)}.");
        if (!string.IsNullOrEmpty(databases)) parts.Add(databases);
        if (outcome.OplogReplayBegun) parts.Add("The oplog replay had begun; it runs again from its start, as it is idempotent.");
        parts.Add("Run the same command with -Resume to finish it (documents already there are kept if they are the source's; the rest are added, then the oplog replayed and the indexes built), or with -Drop to start those namespaces over.");
        return string.Join(" ", parts);
    }

    private static string Count(long documents) => documents.ToString("N0", CultureInfo.InvariantCulture);
}
