using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Restores a snapshot folder, a mongodump directory or an archive: collections and views with their options,
/// then documents through parallel insertion workers, then indexes, then users and roles when asked, then the
/// dump's oplog up to its consistency point. A namespace that fails is reported and the others go on.
/// </summary>
public sealed class RestoreRunner(IEngineObserver observer)
{
    /// <summary>What a restore would do, without writing anything (for -WhatIf).</summary>
    public static async Task<IReadOnlyList<PlannedNamespace>> PlanAsync(RestoreRequest request, CancellationToken ct)
    {
        await using var reader = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        return RestorePlanner.Plan(reader, request.Filter, request.Map);
    }

    public async Task<RestoreOutcome> RunAsync(RestoreRequest request, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var reader = await RestoreSource.OpenAsync(request, observer, ct);
        var client = MongoClientFactory.Create(request.Connection);
        await ServerTopology.DiscoverAsync(client, ct);

        var plan = RestorePlanner.Plan(reader, request.Filter, request.Map);
        var outcome = new RestoreOutcome(reader.Location, request.Connection.DisplayName, DateTimeOffset.UtcNow);
        observer.Verbose($"Restoring {plan.Count} namespaces from {reader.Location} to {request.Connection.DisplayName}.");

        var ready = await PrepareTargetsAsync(client, request, plan, outcome, ct);
        await RestoreDataAsync(client, request, reader, ready, clock, ct);
        if (!request.NoIndexRestore) await RestoreIndexesAsync(client, ready, ct);
        if (request.IncludeUsersAndRoles)
        {
            try
            {
                var (users, roles) = await new UsersAndRolesRestorer(client, observer)
                    .RestoreAsync(reader, RestorePlanner.EffectiveFilter(reader, request.Filter).IncludesDatabase, request.Drop, ct);
                outcome.UsersRestored = users;
                outcome.RolesRestored = roles;
            }
            catch (Exception e) when (e is MongoBackupException or CorruptDumpException)
            {
                // Reported like a namespace, so the restore still ends with its result (a file that vanished, or was damaged).
                outcome.UsersAndRolesError = e.Message;
                observer.NamespaceFailed("users and roles", e as MongoBackupException ?? ((CorruptDumpException)e).ToCorruptFile());
            }
        }
        if (reader.HasOplog && !request.NoOplogReplay)
            await ReplayOplogAsync(client, request, reader, outcome, ct);

        outcome.Duration = clock.Elapsed;
        return outcome;
    }

    private async Task<List<(PlannedNamespace Ns, NamespaceRestoreResult Result)>> PrepareTargetsAsync(
        IMongoClient client, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, RestoreOutcome outcome, CancellationToken ct)
    {
        var preparer = new TargetPreparer(client, request.Map);
        var ready = new List<(PlannedNamespace, NamespaceRestoreResult)>();
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
                await preparer.PrepareAsync(ns, request.Drop, ct);
                ready.Add((ns, result));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Fail(result, e);
            }
        }
        return ready;
    }

    private async Task RestoreDataAsync(IMongoClient client, RestoreRequest request, IDumpReader reader,
        List<(PlannedNamespace Ns, NamespaceRestoreResult Result)> ready, Stopwatch clock, CancellationToken ct)
    {
        var withData = ready.Where(r => !r.Ns.IsView).ToList();
        var bySource = withData.ToDictionary(r => r.Ns.Source);
        var inserter = new DocumentInserter(client, observer, request.InsertionWorkers, request.BatchBytes);
        var overall = new OverallProgress("Restoring", withData.Count, observer, clock);
        var finished = new System.Collections.Concurrent.ConcurrentDictionary<NamespaceRestoreResult, bool>();
        try
        {
            await reader.ReadAsync(bySource.Keys.ToList(), async (source, documents) =>
            {
                var (ns, result) = bySource[source];
                var started = clock.Elapsed;
                try
                {
                    await inserter.InsertAsync(ns, documents, result, ct);
                    RequireRecordedCount(reader, ns, result);
                    observer.Verbose($"{ns.TargetNamespace}: {result.Documents} documents restored from {ns.SourceNamespace}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Fail(result, e);
                    await DrainAsync(documents); // let an archive's other namespaces go on
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

    /// <summary>What reached the server (inserted or refused) must be what the snapshot's manifest records for the namespace.</summary>
    private static void RequireRecordedCount(IDumpReader reader, PlannedNamespace ns, NamespaceRestoreResult result)
    {
        if (reader is not SnapshotDumpReader snapshot || snapshot.RecordedDocuments(ns.Source) is not { } recorded) return;
        var delivered = result.Documents + result.Failures;
        if (delivered != recorded)
            throw new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{ns.TargetNamespace}: {delivered:N0} documents were restored from {ns.SourceNamespace}, but the snapshot's manifest records {recorded:N0}.",
                target: ns.TargetNamespace);
    }

    private static async Task DrainAsync(IAsyncEnumerable<byte[]> documents)
    {
        try { await foreach (var _ in documents) { } }
        catch (Exception) { /* the failure was already recorded for this namespace */ }
    }

    private async Task RestoreIndexesAsync(IMongoClient client, List<(PlannedNamespace Ns, NamespaceRestoreResult Result)> ready, CancellationToken ct)
    {
        var indexes = new IndexRestorer(client);
        foreach (var (ns, result) in ready.Where(r => r.Result.Error is null && !r.Ns.IsView))
        {
            try { result.Indexes = await indexes.RestoreAsync(ns, ct); }
            catch (Exception e) when (e is not OperationCanceledException) { Fail(result, e); }
        }
    }

    private async Task ReplayOplogAsync(IMongoClient client, RestoreRequest request, IDumpReader reader,
        RestoreOutcome outcome, CancellationToken ct)
    {
        var rewriter = new OplogEntryRewriter(RestorePlanner.EffectiveFilter(reader, request.Filter), request.Map, outcome.FailedSourceNamespaces());
        try
        {
            outcome.OplogEntriesApplied = await new OplogReplayer(client, rewriter, observer).ReplayAsync(reader.ReadOplogAsync(ct), after: null, limit: null, ct);
        }
        catch (Exception e) when (e is MongoBackupException or CorruptDumpException)
        {
            outcome.OplogError = e.Message;
            observer.NamespaceFailed("oplog", e as MongoBackupException ?? ((CorruptDumpException)e).ToCorruptFile());
        }
    }

    private void Fail(NamespaceRestoreResult result, Exception e)
    {
        var error = e switch
        {
            CorruptDumpException c => new MongoBackupException(ErrorIds.CorruptFile,
                $"{result.TargetNamespace} was not fully restored: {c.Message}", c, c.File),
            MongoBackupException m => m,
            MongoCommandException c => new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{result.TargetNamespace}: the server refused: {c.ErrorMessage}", c, result.TargetNamespace),
            _ => new MongoBackupException(ErrorIds.NamespaceRestoreFailed, $"{result.TargetNamespace}: {e.Message}", e, result.TargetNamespace),
        };
        result.Error = error.Message;
        observer.NamespaceFailed(result.TargetNamespace, error);
    }
}
