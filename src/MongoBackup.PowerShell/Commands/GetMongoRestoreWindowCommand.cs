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
        var windows = RestoreWindows.Compute(snapshots);
        WriteVerbose($"{snapshots.Count} complete snapshot(s) in {repository.Location} make {windows.Count} restore window(s).");
        if (Database is not null)
        {
            windows = RestoreWindows.For(windows, new NamespaceFilter(Database));
            WriteVerbose($"{windows.Count} of them can restore -Database {string.Join(", ", Database)}.");
        }
        foreach (var window in windows)
        {
            if (pattern is not null && !pattern.IsMatch(window.ReplicaSetName ?? "")) continue;
            if (SourceId is not null && !string.Equals(window.SourceId, SourceId, StringComparison.OrdinalIgnoreCase)) continue;
            WriteObject(MongoRestoreWindow.FromWindow(window, repository.Location));
        }
    });
}
