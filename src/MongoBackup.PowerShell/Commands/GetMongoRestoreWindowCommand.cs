using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Lists the spans of time a point-in-time restore from a repository can reach, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "MongoRestoreWindow")]
[OutputType(typeof(MongoRestoreWindow))]
public sealed class GetMongoRestoreWindowCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ReplicaSetNameCompleter))]
    public string? ReplicaSetName { get; set; }

    /// <summary>
    /// Only the windows of the source of this SourceId (a replica set's replicaSetId, a cluster's clusterId; for a source
    /// that recorded none, its name and oldest snapshot's id: <see cref="MongoBackup.Engine.Repository.SourceGroup.SourceId"/>).
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SourceIdCompleter))]
    public string? SourceId { get; set; }

    /// <summary>
    /// Only the windows Restore-MongoPointInTime -Database can restore these databases in: those whose base snapshot
    /// covers them, as the restore chooses its base.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceDatabaseCompleter))]
    public string[]? Database { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = OpenRepositoryArgument(Repository, RepositoryAccess.Read);
        var snapshots = Await(ct => SnapshotCatalog.LoadCompleteAsync(repository, ct));
        var pattern = ReplicaSetName is null ? null : new WildcardPattern(ReplicaSetName, WildcardOptions.IgnoreCase);
        // A SourceId made of an oldest snapshot that is gone lists nothing silently otherwise: a script's id that moved.
        if (SourceId is not null && SnapshotSources.MovedDerivedId(SourceId, SnapshotSources.Group(snapshots), repository.Location) is { } moved) throw moved;
        var windows = RestoreWindows.Compute(snapshots);
        WriteVerbose($"{snapshots.Count} complete snapshot(s) in {repository.Location} make {windows.Count} restore window(s).");
        if (Database is not null)
        {
            windows = RestoreWindows.For(windows, new NamespaceFilter(Database));
            WriteVerbose($"{windows.Count} of them can restore -Database {string.Join(", ", Database)}.");
            if (windows.Count > 0 && NoFullHolds(snapshots) is { } held)
                WriteWarning($"No full snapshot in {repository.Location} holds a database matching -Database {string.Join(", ", Database.Select(d => $"'{d}'"))} " +
                    $"(they hold: {held}). The windows listed cover it only by their scope (a backup of every database), so a restore " +
                    "finds it only if the oplog replayed creates it: check the name's spelling (database names match case-sensitively).");
        }
        foreach (var window in windows)
        {
            if (pattern is not null && !pattern.IsMatch(window.ReplicaSetName ?? "")) continue;
            if (SourceId is not null && !string.Equals(window.SourceId, SourceId, StringComparison.OrdinalIgnoreCase)) continue;
            WriteObject(MongoRestoreWindow.FromWindow(window, repository.Location));
        }
    });

    /// <summary>
    /// Tryout8 P2: a mistyped -Database still lists the windows of whole backups (their scope covers every name). Null when
    /// some full snapshot holds a matching database; otherwise the databases the full snapshots hold, for the warning.
    /// </summary>
    private string? NoFullHolds(IEnumerable<SnapshotManifest> snapshots)
    {
        var patterns = Database!.Select(d => new NamePattern(d)).ToList();
        var held = snapshots.Where(s => s.Kind == SnapshotKind.Full).SelectMany(s => s.Namespaces.Select(n => n.Database))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return held.Any(name => patterns.Any(p => p.IsMatch(name))) ? null : held.Count == 0 ? "no database" : string.Join(", ", held);
    }
}
