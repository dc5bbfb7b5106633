using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// What the cmdlets that act on existing snapshots share: the snapshot comes from the pipeline (Get-MongoSnapshot,
/// Backup-MongoDatabase) or by -Repository and -Id; each repository is opened once per command.
/// </summary>
public abstract class MongoSnapshotCmdlet : MongoEngineCmdlet
{
    protected const string SnapshotSet = "Snapshot";
    protected const string IdSet = "Id";

    private readonly Dictionary<string, ISnapshotRepository> _opened = new(StringComparer.Ordinal);
    private readonly Dictionary<ISnapshotRepository, SnapshotCatalog> _catalogs = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SnapshotSet)]
    public MongoSnapshot? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    /// <summary>Snapshot ids or wildcard patterns ('2026*-full-*'), as Get-MongoSnapshot -Id takes them.</summary>
    /// <remarks>Not mandatory, so that -Repository alone is an error saying how to choose (<see cref="SnapshotChoice"/>) rather than a prompt for Id[0].</remarks>
    [Parameter(Position = 1, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    [Alias("SnapshotId")]
    public string[] Id { get; set; } = [];

    /// <summary>The snapshots this record names: the piped one, or each -Id in -Repository.</summary>
    protected IEnumerable<(ISnapshotRepository Repository, string Id, MongoSnapshot? Snapshot)> SelectedSnapshots()
    {
        if (InputObject is { } snapshot)
        {
            yield return (Open(snapshot.Repository), snapshot.Id, snapshot);
            yield break;
        }
        var repository = Open(Repository);
        if (Id.Length == 0)
            throw SnapshotChoice.Missing(MyInvocation.MyCommand.Name, Doing, Repository, MoreChoices(Repository),
                SnapshotChoice.Newest(Await(Catalog(repository).CompleteAsync), fullOnly: false));
        foreach (var id in SnapshotIdPatterns.Expand(Catalog(repository), Id, Await)) yield return (repository, id, null);
    }

    /// <summary>What the command does to a snapshot, as a refusal names it ("which one to test").</summary>
    protected abstract string Doing { get; }

    /// <summary>Another way to choose snapshots for this command, named when -Repository comes without -Id; null for none.</summary>
    protected virtual string? MoreChoices(string repository) =>
        $"To {Doing} every snapshot of it, pipe them all: Get-MongoSnapshot -Repository {repository} | {MyInvocation.MyCommand.Name} ...";

    /// <summary>A snapshot from the pipeline without a usable manifest cannot be read; say so by name.</summary>
    protected static void RequireComplete(MongoSnapshot? snapshot, string doing) => snapshot?.RequireReadable(doing);

    /// <summary>Runs the work for one snapshot; its failure is a non-terminating error so the other piped snapshots still go.</summary>
    protected void ForEachSnapshot(Action<ISnapshotRepository, string, MongoSnapshot?> work) => RunHousekeeping(() =>
    {
        foreach (var (repository, id, snapshot) in SelectedSnapshots())
        {
            try { work(repository, id, snapshot); }
            catch (MongoBackupException e) { WriteError(ErrorOf(e)); }
        }
    });

    /// <summary>Like RunCommand, with the housekeeping error ids in their own categories.</summary>
    protected void RunHousekeeping(Action body) => RunCommand(() =>
    {
        try { body(); }
        catch (MongoBackupException e) { ThrowTerminatingError(ErrorOf(e)); }
    });

    /// <summary>What the command does with the repositories of its snapshots: reading, unless it removes or rewrites them.</summary>
    protected virtual RepositoryAccess SnapshotAccess => RepositoryAccess.Read;

    /// <summary>The command's one catalog of a repository it opened: listed at most once, whatever the records ask of it.</summary>
    protected SnapshotCatalog Catalog(ISnapshotRepository repository)
    {
        if (!_catalogs.TryGetValue(repository, out var catalog)) _catalogs[repository] = catalog = new SnapshotCatalog(repository);
        return catalog;
    }

    /// <summary>A repository named by its location, opened once; the same helper every cmdlet uses for -Repository.</summary>
    protected ISnapshotRepository Open(string location)
    {
        if (!_opened.TryGetValue(location, out var repository))
            _opened[location] = repository = OpenRepositoryArgument(location, SnapshotAccess);
        return repository;
    }
}
