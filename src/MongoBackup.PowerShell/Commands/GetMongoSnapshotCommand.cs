using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Lists the snapshots of a repository folder, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "MongoSnapshot")]
[OutputType(typeof(MongoSnapshot))]
public sealed class GetMongoSnapshotCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    [Alias("SnapshotId")]
    public string[]? Id { get; set; }

    [Parameter]
    public SwitchParameter Latest { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Database { get; set; }

    [Parameter]
    public SwitchParameter IncludeIncomplete { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = OpenRepository();
        var snapshots = new List<MongoSnapshot>();
        foreach (var found in Await(ct => ReadAllAsync(repository, ct)))
        {
            if (found.Manifest is { } manifest)
            {
                snapshots.Add(MongoSnapshot.FromManifest(manifest, repository));
                continue;
            }
            // A folder with no manifest is a backup that never finished; one whose manifest cannot be read is damage worth a warning.
            if (found.IsDamaged)
            {
                var manifestFile = repository.LocalPath(found.SnapshotId, SnapshotManifest.FileName) ?? $"{repository.Location}/{found.SnapshotId}/{SnapshotManifest.FileName}";
                WriteWarning($"Snapshot '{found.SnapshotId}' is Damaged and skipped: its manifest '{manifestFile}' cannot be read, " +
                    $"though the backup finished and its data may be whole. {found.Error}");
            }
            if (IncludeIncomplete) snapshots.Add(MongoSnapshot.Unreadable(found, repository));
        }

        var complete = snapshots.Count(s => !s.IsUnreadable);
        WriteVerbose($"Read {complete} complete snapshot manifest(s) in {repository.Location}{(IncludeIncomplete ? $" and {snapshots.Count - complete} incomplete or damaged snapshot folder(s)" : "")}.");
        var chosen = Select(snapshots);
        ReportMissingIds(snapshots, repository);
        WriteObject(chosen, enumerateCollection: true);
    });

    private IEnumerable<MongoSnapshot> Select(IEnumerable<MongoSnapshot> snapshots)
    {
        var ids = (Id ?? []).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        var databases = (Database ?? []).Select(p => new WildcardPattern(p, WildcardOptions.None)).ToList();
        var chosen = snapshots
            .Where(s => ids.Count == 0 || ids.Any(p => p.IsMatch(s.Id)))
            .Where(s => databases.Count == 0 || s.Databases.Any(name => databases.Any(p => p.IsMatch(name))))
            // Ids start with the UTC start time, so they also order the incomplete ones that have no manifest.
            .OrderByDescending(s => s.StartTime ?? DateTime.MinValue)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal);
        return Latest ? chosen.Where(s => !s.IsUnreadable).Take(1) : chosen;
    }

    private void ReportMissingIds(IReadOnlyCollection<MongoSnapshot> snapshots, ISnapshotRepository repository)
    {
        foreach (var id in (Id ?? []).Where(i => !WildcardPattern.ContainsWildcardCharacters(i)))
        {
            if (snapshots.Any(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase))) continue;
            var error = new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"There is no snapshot '{id}' in the repository '{repository.Location}'.", target: id);
            WriteError(Pipeline.EngineErrors.ToRecord(error));
        }
    }

    // Listing must not create a repository where the user mistyped a path.
    private ISnapshotRepository OpenRepository() => OpenRepositoryArgument(Repository, mustExist: true);

    private static async Task<List<ManifestReadResult>> ReadAllAsync(ISnapshotRepository repository, CancellationToken ct)
    {
        var results = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(ct)) results.Add(result);
        return results;
    }
}
