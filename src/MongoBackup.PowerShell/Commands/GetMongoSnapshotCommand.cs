using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Lists the snapshots of a repository folder, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "MongoSnapshot")]
[OutputType(typeof(MongoSnapshot))]
public sealed partial class GetMongoSnapshotCommand : MongoEngineCmdlet
{
    private const string FullKind = "Full";
    private const string OplogKind = "Oplog";

    /// <summary>A path, az:// or s3:// location, or repository object; binds from piped strings and folders (Get-ChildItem -Directory).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    [Alias("SnapshotId")]
    public string[]? Id { get; set; }

    /// <summary>Full, Oplog, or both; -Latest alone means the newest Full.</summary>
    [Parameter]
    [ValidateSet(FullKind, OplogKind, IgnoreCase = true)]
    public string[]? Kind { get; set; }

    [Parameter]
    public SwitchParameter Latest { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SourceDatabaseCompleter))]
    public string[]? Database { get; set; }

    /// <summary>
    /// Only snapshots of this source (its SourceId: a replica set's replicaSetId, a cluster's clusterId; for a source that
    /// recorded none, its name and oldest snapshot's id).
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SourceIdCompleter))]
    public string? SourceId { get; set; }

    [Parameter]
    public SwitchParameter IncludeIncomplete { get; set; }

    /// <summary>
    /// Only snapshots without a passing test since this moment: never tested, last test failed, or last passed before it
    /// (as recorded by Test-MongoSnapshot). Incomplete and damaged snapshots, which cannot be tested, are left out.
    /// </summary>
    [Parameter]
    public DateTime? NotVerifiedSince { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repository = OpenRepository();
        var snapshots = new List<MongoSnapshot>();
        var direct = Await(ct => ReadByIdAsync(repository, ct));
        var listing = direct is null ? Await(repository.ListWithOtherFoldersAsync) : null;
        var found = direct ?? listing!.Snapshots.ToList();
        var sourceIds = SnapshotSources.SourceIdsOf(found.Select(f => f.Manifest).OfType<SnapshotManifest>());
        // A SourceId made of an oldest snapshot that is gone would list nothing: a script's id that moved is named as such.
        if (SourceId is not null && direct is null && SnapshotSources.MovedDerivedId(SourceId,
                SnapshotSources.Group(found.Select(f => f.Manifest).OfType<SnapshotManifest>().Where(m => m.Status == SnapshotStatus.Complete)), repository.Location) is { } moved)
            throw moved;
        foreach (var result in found)
        {
            if (result.Manifest is { } manifest)
            {
                snapshots.Add(MongoSnapshot.FromManifest(manifest, repository, sourceIds[manifest.Id]));
                continue;
            }
            // A folder with no manifest is a backup that never finished; one whose manifest cannot be read is damage worth a warning.
            if (result.IsDamaged)
            {
                var manifestFile = repository.LocalPath(result.SnapshotId, SnapshotManifest.FileName) ?? $"{repository.Location}/{result.SnapshotId}/{SnapshotManifest.FileName}";
                WriteWarning($"Snapshot '{result.SnapshotId}' is Damaged and skipped: its manifest '{manifestFile}' cannot be read, " +
                    $"though the backup finished and its data may be whole. {result.Error}");
            }
            if (IncludeIncomplete) snapshots.Add(MongoSnapshot.Unreadable(result, repository, result.IsDamaged ? null : Await(ct => WritersAsync(repository, result.SnapshotId, ct))));
        }

        var complete = snapshots.Count(s => !s.IsUnreadable);
        var inProgress = snapshots.Count(s => s.Status == MongoSnapshot.InProgressStatus);
        WriteVerbose($"Read {complete} complete snapshot manifest(s) in {repository.Location}" +
            (IncludeIncomplete ? $", {inProgress} snapshot(s) still being written and {snapshots.Count - complete - inProgress} incomplete or damaged snapshot folder(s)" : "") + ".");
        // Says what the repository holds: only when it was listed (an id read directly that is missing is its own error).
        if (complete == 0 && direct is null)
            WriteWarning(NoSnapshots(repository, found, listing!.OtherFolders.Count));
        var chosen = Select(snapshots, found, sourceIds, repository);
        ReportMissingIds(snapshots, found, repository);
        if (complete > 0 && NothingMatched(snapshots, repository) is { } nothing) WriteWarning(nothing);
        WriteObject(chosen, enumerateCollection: true);
    });

    private List<MongoSnapshot> Select(IEnumerable<MongoSnapshot> snapshots, IReadOnlyCollection<ManifestReadResult> found,
        IReadOnlyDictionary<string, string?> sourceIds, ISnapshotRepository repository)
    {
        var manifests = found.Where(f => f.Manifest is not null).ToDictionary(f => f.SnapshotId, f => f.Manifest!, StringComparer.Ordinal);
        var candidates = Filter(snapshots).ToList();
        IEnumerable<MongoSnapshot> chosen = candidates;
        // Each snapshot shown gets its last recorded test (one read each: a mark beside the manifest), and only those:
        // -Latest alone reads one, and a listing filtered by -Id, -Kind or -Database reads no more than it shows.
        if (Latest && NotVerifiedSince is null) chosen = chosen.Where(s => !s.IsUnreadable).Take(1);
        var verified = chosen.Select(s => manifests.TryGetValue(s.Id, out var manifest)
            ? MongoSnapshot.FromManifest(manifest, repository, Await(ct => VerificationRecord.ReadAsync(repository, s.Id, ct)), sourceIds[s.Id])
            : s);
        if (NotVerifiedSince is { } since)
        {
            var moment = new DateTimeOffset(since);
            // The last passing test, also one that checked less than the record it left in place (LastPassed).
            verified = verified.Where(s => !s.IsUnreadable && !(s.VerificationStatus == VerificationRecord.PassedStatus && s.LastPassed >= moment));
        }
        var result = (Latest ? verified.Where(s => !s.IsUnreadable).Take(1) : verified).ToList();
        if (Latest && result.Count == 1 && OtherScopesWarning(result[0], candidates, manifests) is { } warning) WriteWarning(warning);
        if (Latest && result.Count == 1 && OtherSourcesWarning(result[0], candidates) is { } other) WriteWarning(other);
        return result;
    }

    /// <summary>
    /// -Latest without -SourceId takes the newest full snapshot of any source: when the repository also holds full snapshots
    /// of another source of the same name (two replica sets both named rs0, told apart by their recorded ids), says which,
    /// so that `Get-MongoSnapshot -Latest | Restore-MongoDatabase` does not restore the other set unnoticed.
    /// </summary>
    private string? OtherSourcesWarning(MongoSnapshot latest, IEnumerable<MongoSnapshot> candidates)
    {
        if (SourceId is not null || Id is not null || latest.Kind != FullKind) return null;
        var others = candidates
            .Where(s => !s.IsUnreadable && s.Kind == FullKind && s.Topology == latest.Topology && s.ReplicaSetName == latest.ReplicaSetName
                && s.SourceId is not null && !string.Equals(s.SourceId, latest.SourceId, StringComparison.OrdinalIgnoreCase))
            .GroupBy(s => s.SourceId!, StringComparer.OrdinalIgnoreCase)
            .Select(g => $"SourceId {g.Key} (newest {g.First().Id})")
            .ToList();
        if (others.Count == 0) return null;
        var name = latest.ReplicaSetName is { } set ? $"replica set '{set}'" : "the same kind";
        return $"-Latest returned {latest.Id} of {name} ({(latest.SourceId is null ? "which recorded no SourceId" : $"SourceId {latest.SourceId}")}), " +
            $"but this repository also holds full snapshots of another source of that name: {string.Join(", ", others)}. " +
            "Add -SourceId to take the newest snapshot of one source.";
    }

    /// <summary>
    /// -Latest alone (no -Id, -Database or -NotVerifiedSince) takes the newest full snapshot whatever it covers. When that one was narrowed
    /// (Backup-MongoDatabase -Database, -Collection...) and the repository also holds full snapshots of other scopes, it is
    /// only part of what is backed up there: says so, naming the newest of each other scope and how to choose.
    /// </summary>
    private string? OtherScopesWarning(MongoSnapshot latest, IEnumerable<MongoSnapshot> candidates, IReadOnlyDictionary<string, SnapshotManifest> manifests)
    {
        if (Id is not null || Database is not null || NotVerifiedSince is not null || latest.Kind != FullKind) return null;
        if (!manifests.TryGetValue(latest.Id, out var chosen) || chosen.EffectiveScope.IsWhole) return null;
        var others = candidates
            .Where(s => !s.IsUnreadable && s.Kind == FullKind && manifests.ContainsKey(s.Id) && !manifests[s.Id].EffectiveScope.SameAs(chosen.EffectiveScope))
            .GroupBy(s => manifests[s.Id].EffectiveScope.ToString())
            .Select(g => $"'{g.Key}' (newest {g.First().Id})")
            .ToList();
        if (others.Count == 0) return null;
        return $"-Latest returned {latest.Id}, the newest full snapshot, but it covers only '{chosen.EffectiveScope}' " +
            $"(databases: {string.Join(", ", latest.Databases)}). This repository also holds full snapshots of other scopes: {string.Join(", ", others)}. " +
            "-Latest takes the newest whatever its scope: add -Database NAME for the newest that holds a database, or see them all with -Kind Full.";
    }

    private IEnumerable<MongoSnapshot> Filter(IEnumerable<MongoSnapshot> snapshots)
    {
        var criteria = Criteria();
        return snapshots
            .Where(criteria.All)
            // Ids start with the UTC start time, so they also order the incomplete ones that have no manifest.
            .OrderByDescending(s => s.StartTime ?? DateTimeOffset.MinValue)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>The filters given (-Kind or -Latest's Full, -Id, -SourceId, -Database), each as the user wrote it and what it keeps.</summary>
    private FilterCriteria<MongoSnapshot> Criteria()
    {
        var criteria = new FilterCriteria<MongoSnapshot>();
        var kinds = Kind ?? (Latest ? [FullKind] : []);
        if (kinds.Length > 0)
            criteria.Add(Kind is null ? "-Latest (full snapshots)" : $"-Kind {string.Join(",", kinds)}", s => kinds.Contains(s.Kind, StringComparer.OrdinalIgnoreCase));
        if (Id is { Length: > 0 })
        {
            var ids = Id.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
            criteria.Add($"-Id {Quoted(Id)}", s => ids.Any(p => p.IsMatch(s.Id)));
        }
        if (SourceId is { } sourceId)
            criteria.Add($"-SourceId '{sourceId}'", s => string.Equals(s.SourceId, sourceId, StringComparison.OrdinalIgnoreCase));
        if (Database is { Length: > 0 })
        {
            var databases = Database.Select(p => new WildcardPattern(p, WildcardOptions.None)).ToList();
            criteria.Add($"-Database {Quoted(Database)}", s => s.Databases.Any(name => databases.Any(p => p.IsMatch(name))));
        }
        return criteria;
    }

    private static string Quoted(IEnumerable<string> values) => FilterCriteria<MongoSnapshot>.Quoted(values);

    /// <summary>
    /// Tryout8 P2: a filter that matches no snapshot of a repository that holds some (a mistyped -Database) lists nothing,
    /// and `Get-MongoSnapshot -Latest -Database salez | Restore-MongoDatabase` then does nothing and succeeds. An empty
    /// listing is a valid answer, so this is a warning (a runbook's log shows it) naming the filter that matches nothing on
    /// its own and what the snapshots hold. An exact -Id that is missing is already its own SnapshotNotFound error, and
    /// -NotVerifiedSince leaving nothing is the state wished for: neither warns here.
    /// </summary>
    private string? NothingMatched(IReadOnlyCollection<MongoSnapshot> snapshots, ISnapshotRepository repository)
    {
        var criteria = Criteria();
        if (criteria.Count == 0 || Filter(snapshots).Any()) return null;
        var complete = snapshots.Where(s => !s.IsUnreadable).ToList();
        var alone = criteria.MatchingNothing(complete);
        var exactIdsMissing = Id is { Length: > 0 } && Id.All(i => !WildcardPattern.ContainsWildcardCharacters(i))
            && alone.Any(a => a.StartsWith("-Id", StringComparison.Ordinal));
        if (exactIdsMissing) return null;
        var culprit = alone.Count > 0
            ? $"{string.Join(" and ", alone)} matches none of them"
            : $"none matches {string.Join(" and ", criteria.Given)} together";
        var databases = complete.SelectMany(s => s.Databases).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var kinds = complete.Select(s => s.Kind).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var sources = complete.Select(s => s.SourceId).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var holds = $"databases {(databases.Count == 0 ? "(none)" : string.Join(", ", databases))}; kinds {string.Join(", ", kinds)}"
            + (SourceId is null ? "" : $"; source ids {(sources.Count == 0 ? "(none recorded)" : string.Join(", ", sources))}");
        return $"No snapshot listed: '{repository.Location}' holds {complete.Count} snapshot(s), but {culprit}. They hold {holds}. " +
            "Check the filter's spelling (database names match case-sensitively): a command this listing is piped to gets nothing to act on.";
    }

    /// <summary>
    /// The writer marks of a snapshot without a manifest, judged by <see cref="SnapshotWriters"/>: a run still writing it
    /// renews one (a continuous capture's open slice, a backup not yet committed); one that was killed or crashed leaves
    /// one that has lapsed, or whose process on this machine is gone. Null when the repository keeps no marks.
    /// </summary>
    private static async Task<IReadOnlyList<WriterState>?> WritersAsync(ISnapshotRepository repository, string id, CancellationToken ct) =>
        repository.Marks is { } marks ? await SnapshotWriters.JudgeAsync(marks, id, TimeProvider.System, ct).ConfigureAwait(false) : null;

    /// <summary>
    /// An exact -Id that names no snapshot listed is an error: "there is none", or, for a snapshot folder without a manifest
    /// left out for want of -IncludeIncomplete, what it is (still being written, or abandoned by a run that is gone) and how
    /// to see it and remove it.
    /// </summary>
    private void ReportMissingIds(IReadOnlyCollection<MongoSnapshot> snapshots, IReadOnlyCollection<ManifestReadResult> found, ISnapshotRepository repository)
    {
        foreach (var id in (Id ?? []).Where(i => !WildcardPattern.ContainsWildcardCharacters(i)))
        {
            if (snapshots.Any(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase))) continue;
            var unreadable = found.FirstOrDefault(f => f.Manifest is null && string.Equals(f.SnapshotId, id, StringComparison.OrdinalIgnoreCase));
            var error = unreadable is null
                ? new MongoBackupException(ErrorIds.SnapshotNotFound, $"There is no snapshot '{id}' in the repository '{repository.Location}'.", target: id)
                : Unlisted(MongoSnapshot.Unreadable(unreadable, repository, unreadable.IsDamaged ? null : Await(ct => WritersAsync(repository, unreadable.SnapshotId, ct))));
            WriteError(Pipeline.EngineErrors.ToRecord(error));
        }
    }

    /// <summary>The error for a snapshot without a usable manifest named by -Id without -IncludeIncomplete: what it is, and what can be done with it.</summary>
    private static MongoBackupException Unlisted(MongoSnapshot snapshot)
    {
        var show = $"Get-MongoSnapshot -Repository '{snapshot.Repository}' -Id {snapshot.Id} -IncludeIncomplete";
        return snapshot.Status switch
        {
            MongoSnapshot.InProgressStatus => new MongoBackupException(ErrorIds.SnapshotBeingWritten,
                $"Snapshot '{snapshot.Id}' in '{snapshot.Repository}' is not complete: it is InProgress, still being written by {snapshot.BeingWrittenBy}, " +
                $"and is listed once its manifest is committed. {show} shows it now.", target: snapshot.Id),
            MongoSnapshot.DamagedStatus => new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot '{snapshot.Id}' in '{snapshot.Repository}' is Damaged and not listed: {snapshot.Problem} {show} shows it; " +
                $"only Remove-MongoSnapshot -Repository '{snapshot.Repository}' -Id {snapshot.Id} -Force removes it.", target: snapshot.Id),
            _ => new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"Snapshot '{snapshot.Id}' in '{snapshot.Repository}' is Incomplete, so it is not listed: {snapshot.Problem} {show} shows it; " +
                $"Remove-MongoSnapshot -Repository '{snapshot.Repository}' -Id {snapshot.Id} removes it.", target: snapshot.Id),
        };
    }

    /// <summary>
    /// Why a listing is empty, so a folder that is no repository (a mistyped path, a mongodump directory) is not taken for
    /// an empty one: snapshot folders are named by id ("20261124T221500Z-full-3f9a") and hold a manifest.json.
    /// </summary>
    /// <param name="otherFolders">Folders the listing does not show: no snapshot's (see <see cref="SnapshotListing.OtherFolders"/>).</param>
    private static string NoSnapshots(ISnapshotRepository repository, IReadOnlyCollection<ManifestReadResult> found, int otherFolders)
    {
        var snapshotFolders = found.Count(f => SnapshotIdShape().IsMatch(f.SnapshotId));
        if (found.Count == 0 && otherFolders == 0)
            return $"'{repository.Location}' holds no snapshots: it is empty.";
        if (snapshotFolders == 0)
            return $"'{repository.Location}' is not a MongoBackup repository: none of its {found.Count + otherFolders} folder(s) is a snapshot " +
                "(a snapshot folder is named like 20261124T221500Z-full-3f9a and holds a manifest.json). " +
                "A mongodump directory is restored with Restore-MongoDatabase -Path.";
        return $"'{repository.Location}' holds no complete snapshot: {snapshotFolders} snapshot folder(s) have no readable manifest, still being written, incomplete or damaged (-IncludeIncomplete lists them).";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{8}T\d{6}Z-[a-z]+-[0-9a-f]+$")]
    private static partial System.Text.RegularExpressions.Regex SnapshotIdShape();

    // Listing must not create a repository where the user mistyped a path.
    private ISnapshotRepository OpenRepository() => OpenRepositoryArgument(Repository, RepositoryAccess.Read);

    /// <summary>
    /// Exact ids (no wildcard) are read directly, without listing the repository; null when the repository must be listed:
    /// no -Id, a wildcard, or an id not found as typed (ids match regardless of case, which only a listing can tell).
    /// </summary>
    private async Task<List<ManifestReadResult>?> ReadByIdAsync(ISnapshotRepository repository, CancellationToken ct)
    {
        if (Id is not { Length: > 0 } ids || ids.Any(WildcardPattern.ContainsWildcardCharacters)) return null;
        var found = new List<ManifestReadResult>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (!SnapshotIds.CanNameSnapshot(id) || await repository.ReadManifestAsync(id, ct) is not { } result) return null;
            // A snapshot that recorded no source id is named by its source's group, which the listing tells.
            if (result.Manifest is { } manifest && SnapshotSources.IdOf(manifest) is null) return null;
            found.Add(result);
        }
        return found;
    }
}
