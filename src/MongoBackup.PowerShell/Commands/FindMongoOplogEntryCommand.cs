using System.Management.Automation;
using System.Security;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Searches the oplog a repository holds (its oplog slices and its full snapshots' own oplog) for operations, oldest
/// first: the moment of a mistake (a dropped collection) found from the backups alone, the server gone or its oplog
/// rolled over. Each result's ClusterTime is the moment just before it, which Restore-MongoPointInTime takes from the pipeline.
/// </summary>
/// <remarks>
/// Find, not Get or Search: PowerShell's Find verb "looks for an object in a container that is unknown, implied,
/// optional, or specified" (Get-Verb), as a search by criteria is; Get names objects a command retrieves by what
/// identifies them (Get-MongoSnapshot -Id), Search "creates a reference to a resource in a container".
/// </remarks>
[Cmdlet(VerbsCommon.Find, "MongoOplogEntry")]
[OutputType(typeof(MongoOplogEntry))]
public sealed class FindMongoOplogEntryCommand : MongoEngineCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    /// <summary>Namespaces ("database.collection"), wildcards allowed ('shop.*'), matched case-sensitively as MongoDB names are.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceNamespaceCompleter))]
    public string[]? Namespace { get; set; }

    /// <summary>Insert, Update, Delete, Noop, Command (every command), or a command by MongoDB's name (Drop, DropDatabase, RenameCollection, ...); wildcards allowed.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OplogOperationCompleter))]
    public string[]? Operation { get; set; }

    /// <summary>Only entries after this moment: a date and time (as -PointInTime takes it) or an oplog timestamp (as -ClusterTime takes it).</summary>
    [Parameter]
    [ValidateNotNull]
    public object? After { get; set; }

    /// <summary>Only entries at or before this moment: a date and time (as -PointInTime takes it, its whole millisecond included) or an oplog timestamp.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Before { get; set; }

    /// <summary>The source to search, when the repository holds the oplog of several (Get-MongoSnapshot's SourceId).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SourceIdCompleter))]
    public string? SourceId { get; set; }

    /// <summary>Stop after this many operations found.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    /// <summary>The passphrases of encrypted snapshots, as Restore-MongoPointInTime takes them.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [SecureStringArgument]
    public SecureString[]? EncryptionKey { get; set; }

    /// <summary>The key files of encrypted snapshots, as Restore-MongoPointInTime takes them.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EncryptionKeyFile { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var filter = new OplogSearchFilter(Namespace, Operation, After is null ? null : Moment(After, "-After"), Before is null ? null : Moment(Before, "-Before"));
        var keys = EncryptionKeyArguments.Build(EncryptionKey ?? [], EncryptionKeyFile ?? [], ResolvePath, WriteWarning);
        var repository = OpenRepositoryArgument(Repository, RepositoryAccess.Read);
        var complete = Await(ct => SnapshotCatalog.LoadCompleteAsync(repository, ct));
        var snapshots = OplogSearch.SnapshotsOf(complete, SourceId, repository.Location);
        if (OplogSearch.ClusterSnapshots(complete) is { Count: > 0 } clusters)
            WriteWarning($"{clusters.Count} cluster snapshot(s) in {repository.Location} are not searched: Find-MongoOplogEntry reads the oplog of replica sets' snapshots only, not each shard's of a cluster.");
        if (snapshots.Count == 0)
        {
            WriteWarning($"{repository.Location} holds no oplog to search: no complete full snapshot or oplog slice{(SourceId is null ? "" : $" of -SourceId {SourceId}")}.");
            return;
        }
        var sources = SnapshotSources.Group(complete).SelectMany(g => g.Snapshots.Select(s => (s.Id, g.SourceId))).ToDictionary(p => p.Id, p => p.SourceId, StringComparer.Ordinal);
        WriteVerbose($"Searching the oplog of {snapshots.Count} snapshot(s) in {repository.Location}, oldest first.");
        var found = RunEngine(async (events, ct) =>
        {
            var count = 0;
            await foreach (var entry in OplogSearch.FindAsync(repository, snapshots, keys, filter, events, ct))
            {
                events.Output(MongoOplogEntry.From(entry, sources.GetValueOrDefault(entry.SnapshotId), repository.Location));
                if (++count >= First) break;
            }
            return count;
        });
        WriteVerbose($"{found} operation(s) found.");
    });

    /// <summary>A -After or -Before argument: a date and time (read as -PointInTime reads it) or an oplog timestamp (as -ClusterTime reads it).</summary>
    private static OplogLimit Moment(object value, string parameter)
    {
        switch (value is PSObject ps ? ps.BaseObject : value)
        {
            case DateTimeOffset offset: return OplogLimit.AtWallTime(offset);
            case DateTime { Kind: DateTimeKind.Utc } utc: return OplogLimit.AtWallTime(new DateTimeOffset(utc));
            case DateTime local: return OplogLimit.AtWallTime(PointInTimeArgumentAttribute.FromLocal(local, TimeZoneInfo.Local));
            case MongoOplogEntry entry: return OplogLimit.AtClusterTime(ClusterTimeArgument.Parse(entry.Timestamp));
            case string text:
                try { return OplogLimit.AtClusterTime(ClusterTimeArgument.Parse(text)); }
                catch (MongoBackupException) { /* not a timestamp: a date and time, then */ }
                try { return OplogLimit.AtWallTime(PointInTimeArgumentAttribute.FromText(text, TimeZoneInfo.Local)); }
                catch (ArgumentTransformationMetadataException e)
                {
                    throw new MongoBackupException(ErrorIds.InvalidArgument,
                        $"{parameter} '{text}' is neither an oplog timestamp ('Timestamp(1764000000, 3)' or '1764000000,3') nor a date and time: {e.Message}", target: text);
                }
            case var other:
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"{parameter} takes a date and time or an oplog timestamp ('Timestamp(1764000000, 3)'), not a {other?.GetType().Name}.", target: other?.ToString());
        }
    }
}
