using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Restores a snapshot (from Get-MongoSnapshot or Backup-MongoDatabase), a mongodump directory or a mongodump
/// archive into a server, optionally filtered and renamed. Each target namespace is confirmed on its own;
/// with -Drop the confirmation is High impact, since existing data is destroyed.
/// </summary>
[Cmdlet(VerbsData.Restore, "MongoDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(MongoRestoreResult), typeof(MongoPlannedAction))]
public sealed class RestoreMongoDatabaseCommand : MongoRestoreCmdlet
{
    private const string SnapshotSet = "Snapshot";
    private const string PathSet = "Path";
    private const string IdSet = "Id";
    private bool _yesToAllDrops, _noToAllDrops;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SnapshotSet)]
    public MongoSnapshot? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The repository holding the snapshot -Id names, as Test-, Copy-, Export- and Remove-MongoSnapshot take it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string? Repository { get; set; }

    /// <summary>The snapshot to restore: its id, or a wildcard pattern, as the other snapshot cmdlets take them; together they must name one snapshot.</summary>
    /// <remarks>Not mandatory, so that -Repository alone is an error saying how to choose one (-Id, or Get-MongoSnapshot -Latest piped) rather than a prompt for Id[0].</remarks>
    [Parameter(ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    [Alias("SnapshotId")]
    public string[]? Id { get; set; }

    [Parameter]
    public SwitchParameter NoOplogReplay { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var stored = ParameterSetName == IdSet ? NamedSnapshot() : StoredSnapshot();
        var source = ParameterSetName == IdSet ? $"{stored!.Repository.Location}/{stored.Id}" : SourcePath();
        var request = BuildRestoreRequest() with
        {
            SourcePath = source,
            Snapshot = stored,
            NoOplogReplay = NoOplogReplay.IsPresent,
        };

        var plan = PlanOrRefuseSource(() => Await(ct => RestoreRunner.PlanAsync(request, ct)), source, request.Connection.DisplayName);
        if (plan is null) return; // -WhatIf: the source is refused whole, said as the plan's one step
        // What the source holds, unfiltered and unrenamed: read only to name it in a refusal.
        IReadOnlyCollection<PlannedNamespace>? everything = null;
        IReadOnlyCollection<PlannedNamespace> Everything() => everything ??=
            Await(ct => RestoreRunner.PlanAsync(request with { Filter = NamespaceFilter.EveryNamespace, Map = MongoBackup.Engine.Model.NamespaceMap.Identity }, ct));
        // What the dump's oplog creates beyond its files (a dump holding only oplog.bson: all of it), read only when asked.
        // Read once, and handed to the run, which checks and creates what was found without reading the oplog for it again.
        DumpOplogCreations? createdByOplog = null;
        IReadOnlyList<string> CreatedByOplog() => (createdByOplog ??= Await(ct => RestoreRunner.PlanReplayCreatedAsync(request, ct))).Namespaces;
        RequireEveryRenameMatches(plan, Everything, source, createdLater: patterns => patterns.Where(p => CreatedByOplog().Any(NamespacePattern.ForMatching(p).IsMatch)).ToHashSet(StringComparer.Ordinal),
            repository: ParameterSetName == IdSet ? Repository : InputObject?.Repository);
        // A dump of users and roles alone (mongo-tools' usersdump: admin's, no collection) restores them with -IncludeUsersAndRoles.
        var usersOnly = plan.Count == 0 && request.IncludeUsersAndRoles
            ? Await(ct => RestoreRunner.PlanUsersAndRolesAsync(request, ct))!.Databases.Select(d => d.Target).ToList() : null;
        if (plan.Count == 0 && CreatedByOplog().Count == 0 && usersOnly is not { Count: > 0 })
        {
            // A mistyped collection name is the usual cause: say what the source holds, so the right name is in the message.
            var held = Everything().Select(ns => ns.SourceNamespace).Order(StringComparer.Ordinal).ToList();
            var list = string.Join(", ", held.Take(20)) + (held.Count > 20 ? $" and {held.Count - 20} more" : "");
            var because = held.Count == 0 ? "" : $" ({NothingMatchedBecause(held)})";
            throw new MongoBackupException(ErrorIds.NothingSelected,
                $"Nothing in '{source}' matches the chosen databases, collections and namespaces{because}; it holds {(held.Count == 0 ? "no namespace" : list)}" +
                $"{(held.Count == 0 && !NoOplogReplay ? ", and its oplog (if any) creates none of them" : "")}.", target: source);
        }
        WarnOfFiltersMatchingNothing(() => Everything().Select(ns => ns.SourceNamespace).ToList(), source, CreatedByOplog);
        // Only an oplog-only dump's are listed and confirmed here; a dump with files replays its oplog into what it restores,
        // and the run checks every target the replay creates before it writes.
        var fromOplog = plan.Count == 0 ? CreatedByOplog() : [];

        if (IsWhatIf())
        {
            WritePlan(request, plan, $"from {source}");
            foreach (var ns in fromOplog)
                WritePlannedAction(Drop ? "Drop and restore" : "Restore", TargetOf(request, ns),
                    $"what the oplog of {source} creates of {ns}, replayed into {request.Connection.DisplayName}", ns);
            return;
        }
        // Users and roles of a dump that holds nothing else are confirmed as one step; declined, they are left out.
        var usersConfirmed = usersOnly is { Count: > 0 } && ShouldProcess(string.Join(", ", usersOnly), $"Restore users and roles from {source}");
        var declined = plan.Where(ns => !Confirmed(ns, source)).Select(ns => ns.SourceNamespace)
            .Concat(fromOplog.Where(ns => !ShouldProcess(TargetOf(request, ns), $"Restore what the oplog of {source} creates of {ns}")))
            .ToList();
        if (!usersConfirmed && declined.Count == plan.Count + fromOplog.Count) return; // every step declined: nothing is written
        if (usersOnly is { Count: > 0 } && !usersConfirmed) request = request with { IncludeUsersAndRoles = false };

        var confirmed = request with { Filter = Filter(declined) };
        var outcome = RunEngine((observer, ct) => new RestoreRunner(observer).RunAsync(confirmed, createdByOplog, ct));
        WriteObject(MongoRestoreResult.FromOutcome(outcome));
    });

    /// <summary>The target "db.coll" of a source namespace under the request's renames.</summary>
    private static string TargetOf(RestoreRequest request, string ns)
    {
        var (db, collection) = MongoBackup.Engine.Oplog.Replay.NamespaceName.Split(ns);
        var (targetDb, targetCollection) = request.Map.Map(db, collection);
        return targetDb + "." + targetCollection;
    }

    private string SourcePath()
    {
        if (InputObject is not { } snapshot) return ResolvePath(Path!);
        snapshot.RequireReadable("restored");
        if (snapshot.Kind == nameof(SnapshotKind.Oplog)) throw OplogSliceRefusal(snapshot.Id);
        return RepositoryLocation.Parse(snapshot.Repository).Kind == RepositoryKind.Folder ? snapshot.Path : $"{snapshot.Repository}/{snapshot.Id}";
    }

    /// <summary>An oplog slice holds writes, not data to restore on its own: say what it is and what restores it.</summary>
    private static MongoBackupException OplogSliceRefusal(string id) => new(ErrorIds.InvalidArgument,
        $"Snapshot '{id}' is an oplog slice (Kind Oplog): Restore-MongoDatabase restores full snapshots. Pipe a full snapshot " +
        "(Get-MongoSnapshot -Latest gives the newest full one), or replay slices with Restore-MongoPointInTime.", target: id);

    /// <summary>
    /// A piped snapshot in an object store (it has no folder to read) or an encrypted one (its files need its data key)
    /// is read through its repository; null otherwise.
    /// </summary>
    private RepositorySnapshot? StoredSnapshot() =>
        InputObject is { } snapshot && (snapshot.Encrypted || RepositoryLocation.Parse(snapshot.Repository).Kind != RepositoryKind.Folder)
            ? new RepositorySnapshot(OpenRepositoryArgument(snapshot.Repository, RepositoryAccess.Read), snapshot.Id)
            : null;

    /// <summary>
    /// The snapshot -Repository and -Id name; a pattern must match exactly one (a restore reads one snapshot). Whether it
    /// is a full, finished snapshot is the engine's to say, as for a piped one.
    /// </summary>
    private RepositorySnapshot NamedSnapshot()
    {
        var repository = OpenRepositoryArgument(Repository!, RepositoryAccess.Read);
        var catalog = new SnapshotCatalog(repository);
        // Never the newest restored unasked: it may be partial, copy-only or of another source; the refusal lists it instead.
        if (Id is null) throw SnapshotChoice.Missing("Restore-MongoDatabase", "restore", Repository!, newest: SnapshotChoice.Newest(Await(catalog.CompleteAsync), fullOnly: true));
        var ids = SnapshotIdPatterns.Expand(catalog, Id!, Await);
        var given = string.Join(", ", Id!);
        if (ids.Count != 1)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"-Id '{given}' names {ids.Count} snapshots in {repository.Location} ({string.Join(", ", ids)}): Restore-MongoDatabase restores one. Give its exact id.", target: given);
        return new RepositorySnapshot(repository, ids[0]);
    }

    private bool Confirmed(PlannedNamespace ns, string source)
    {
        var action = Drop
            ? $"Drop and restore {ns.Type} from {ns.SourceNamespace} in {source}"
            : $"Restore {ns.Type} from {ns.SourceNamespace} in {source}";
        // Found damaged while planning: -WhatIf says so, as the run will fail it alone.
        if (ns.Source.Damage is { } damage) action += $" (it will fail: {damage.Message})";
        if (!ShouldProcess(ns.TargetNamespace, action)) return false;
        if (!Drop || !DropNeedsItsOwnPrompt()) return true;
        return ShouldContinue(
            $"Drop {ns.TargetNamespace} on the target, losing what it holds, and restore it from {ns.SourceNamespace}?",
            "Confirm drop", ref _yesToAllDrops, ref _noToAllDrops);
    }
}
