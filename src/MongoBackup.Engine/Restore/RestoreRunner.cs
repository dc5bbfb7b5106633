using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Restores a snapshot folder, a mongodump directory or an archive: collections and views with their options,
/// then documents through parallel insertion workers, then users and roles when asked, then the dump's oplog up to
/// its consistency point (only into what the restore covers), then indexes, built after the replay as mongorestore
/// builds them. A namespace that fails is reported and the others go on.
/// </summary>
public sealed class RestoreRunner(IEngineObserver observer)
{
    /// <summary>What a restore would do, without writing anything (for -WhatIf).</summary>
    public static async Task<IReadOnlyList<PlannedNamespace>> PlanAsync(RestoreRequest request, CancellationToken ct)
    {
        var (reader, _) = await OpenSourceAsync(request, ct);
        await using (reader) return RestorePlanner.Plan(reader, request.Filter, request.Map);
    }

    public async Task<RestoreOutcome> RunAsync(RestoreRequest request, CancellationToken ct) =>
        (await RunAsync(request, [], ct)).Outcome;

    /// <summary>
    /// The restore, with <paramref name="moreOplog"/> replayed after the dump's own oplog as one replay (a
    /// point-in-time restore's slices); returns the outcome and how many entries of <paramref name="moreOplog"/> applied.
    /// </summary>
    internal async Task<(RestoreOutcome Outcome, long MoreApplied)> RunAsync(RestoreRequest request, IReadOnlyList<OplogSegment> moreOplog, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (reader, scope) = await OpenSourceAsync(request, ct);
        await using var source = reader;
        var client = MongoClientFactory.Create(request.Connection);
        await ServerTopology.DiscoverAsync(client, ct);

        var plan = RestorePlanner.Plan(reader, request.Filter, request.Map);
        var outcome = new RestoreOutcome(reader.Location, request.Connection.DisplayName, DateTimeOffset.UtcNow);
        observer.Verbose($"Restoring {plan.Count} namespaces from {reader.Location} to {request.Connection.DisplayName}.");

        var preparer = new TargetPreparer(client, request.Map);
        var (ready, created) = await PrepareTargetsAsync(preparer, request, plan, outcome, ct);
        await RestoreDataAsync(client, preparer, created, request, reader, ready, clock, ct);
        if (request.IncludeUsersAndRoles)
        {
            var (users, roles) = await new UsersAndRolesRestorer(client, observer)
                .RestoreAsync(reader, RestorePlanner.EffectiveFilter(reader, request.Filter).IncludesDatabase, request.Drop, ct);
            outcome.UsersRestored = users;
            outcome.RolesRestored = roles;
        }

        var moreApplied = await new OplogReplayPhase(client, request, observer).RunAsync(reader, scope, ready, moreOplog, outcome, ct);

        outcome.Duration = clock.Elapsed;
        return (outcome, moreApplied);
    }

    /// <summary>
    /// The source and the scope it was taken with: a snapshot's own (what its backup chose); a mongodump directory or
    /// archive counts as whole (mongodump takes an oplog only of a whole instance: it refuses --oplog with --db).
    /// </summary>
    private static async Task<(IDumpReader Reader, SnapshotScope Scope)> OpenSourceAsync(RestoreRequest request, CancellationToken ct)
    {
        if ((request.Snapshot ?? SnapshotFolder(request.SourcePath)) is { } snapshot)
        {
            var manifest = await SnapshotCatalog.FindAsync(snapshot.Repository, snapshot.Id, ct);
            var dataKey = SnapshotEncryption.Open(manifest, request.Encryption);
            try
            {
                // A damaged file fails the namespaces it belongs to (or the oplog replay), not the whole restore. Data files
                // are checked as they are restored (each stored byte read once), and a namespace whose file fails is
                // taken back; all of them first only when asked, or before -Drop replaces collections. The oplog, one
                // stream for every namespace, is checked first.
                var damaged = request.VerifyBeforeRestore == false ? null
                    : await SnapshotIntegrity.FindDamagedAsync(snapshot.Repository, manifest, dataKey, ct,
                        request.VerifyBeforeRestore ?? request.Drop ? null : file => file.Kind == ManifestFileKind.Oplog);
                return (await SnapshotDumpReader.OpenAsync(snapshot.Repository, manifest, dataKey, ct, damaged), manifest.EffectiveScope);
            }
            catch (CorruptDumpException e) { throw e.ToCorruptFile(); }
            catch (InvalidDataException e) { throw new MongoBackupException(ErrorIds.CorruptFile, e.Message, e, snapshot.Id); }
        }
        return (OpenPath(request.SourcePath), SnapshotScope.Whole);
    }

    /// <summary>
    /// A -Path that names one of our snapshot folders (it holds manifest.json) is read as the snapshot it is, through
    /// its repository: checked against its manifest, and decrypted when it is encrypted.
    /// </summary>
    private static RepositorySnapshot? SnapshotFolder(string path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(Path.Combine(path, SnapshotManifest.FileName))) return null;
        var folder = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return new RepositorySnapshot(new FolderRepository(Path.GetDirectoryName(folder)!), Path.GetFileName(folder));
    }

    private static IDumpReader OpenPath(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new MongoBackupException(ErrorIds.SourceNotFound, $"Nothing to restore at '{path}': no such file or folder.", target: path);
        try { return DumpReaders.Open(path); }
        catch (CorruptDumpException e) { throw e.ToCorruptFile(); }
        catch (InvalidDataException e) { throw new MongoBackupException(ErrorIds.CorruptFile, e.Message, e, path); }
    }

    private async Task<(List<(PlannedNamespace Ns, NamespaceRestoreResult Result)> Ready, HashSet<NamespaceRestoreResult> Created)> PrepareTargetsAsync(
        TargetPreparer preparer, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, RestoreOutcome outcome, CancellationToken ct)
    {
        var ready = new List<(PlannedNamespace, NamespaceRestoreResult)>();
        var created = new HashSet<NamespaceRestoreResult>();
        foreach (var ns in plan)
        {
            var result = new NamespaceRestoreResult(ns.SourceNamespace, ns.TargetNamespace, ns.Type);
            outcome.Namespaces.Add(result);
            if (ns.Source.Damage is { } damage)
            {
                Fail(result, new MongoBackupException(ErrorIds.CorruptFile,
                    $"{ns.TargetNamespace} was not restored: {damage.Message}", target: damage.File));
                continue;
            }
            try
            {
                if (await preparer.PrepareAsync(ns, request.Drop, ct)) created.Add(result);
                ready.Add((ns, result));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Fail(result, e);
            }
        }
        return (ready, created);
    }

    private async Task RestoreDataAsync(IMongoClient client, TargetPreparer preparer, HashSet<NamespaceRestoreResult> created, RestoreRequest request, IDumpReader reader,
        List<(PlannedNamespace Ns, NamespaceRestoreResult Result)> ready, Stopwatch clock, CancellationToken ct)
    {
        var withData = ready.Where(r => !r.Ns.IsView).ToList();
        var bySource = withData.ToDictionary(r => r.Ns.Source);
        var inserter = new DocumentInserter(client, observer, request.InsertionWorkers, request.BatchBytes);
        var overall = new OverallProgress("Restoring", withData.Count, observer, clock);
        var finished = new System.Collections.Concurrent.ConcurrentDictionary<NamespaceRestoreResult, bool>();
        try
        {
            await reader.ReadBlocksAsync(bySource.Keys.ToList(), async (source, documents) =>
            {
                var (ns, result) = bySource[source];
                var started = clock.Elapsed;
                try
                {
                    await inserter.InsertAsync(ns, documents, result, ct);
                    observer.Verbose($"{ns.TargetNamespace}: {result.Documents} documents restored from {ns.SourceNamespace}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // An archive's other namespaces go on: its reader stops feeding one whose consumer has returned.
                    if (e is CorruptDumpException) await RollBackAsync(preparer, ns, result, created.Contains(result), ct);
                    Fail(result, e);
                }
                result.Duration = clock.Elapsed - started;
                finished[result] = true;
                overall.NamespaceDone(result.Documents, 0);
            }, request.ParallelCollections, ct);
        }
        catch (CorruptDumpException e)
        {
            // Raised by the reader itself (an archive's framing): the namespaces still open are incomplete; those whose
            // documents all arrived (their end marker and checksum read) were restored and are not blamed.
            foreach (var (_, result) in withData.Where(r => r.Result.Error is null && !finished.ContainsKey(r.Result)))
                Fail(result, e);
        }
    }

    /// <summary>Takes back what was restored from a file found damaged part-way; says so when that fails too.</summary>
    private async Task RollBackAsync(TargetPreparer preparer, PlannedNamespace ns, NamespaceRestoreResult result, bool created, CancellationToken ct)
    {
        try
        {
            await preparer.RollBackAsync(ns, created, ct);
            observer.Verbose($"{ns.TargetNamespace}: the {result.Documents} documents restored before the damage was found were removed.");
            result.Documents = 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            observer.Warning($"{ns.TargetNamespace}: its file is damaged, and the {result.Documents} documents restored from it could not be removed: {e.Message}");
        }
    }

    private void Fail(NamespaceRestoreResult result, Exception e) => NamespaceFailures.Record(observer, result, e);
}
