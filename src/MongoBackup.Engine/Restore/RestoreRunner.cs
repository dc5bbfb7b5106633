using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Repository;
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
        var (reader, _) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader) return RestorePlanner.Plan(reader, request.Filter, request.Map);
    }

    /// <summary>What a restore would do with users and roles (for -WhatIf); null without -IncludeUsersAndRoles.</summary>
    /// <exception cref="MongoBackupException">
    /// InvalidArgument: a rename splits a database whose users and roles are asked for, or merges two databases that
    /// each hold a user or role of the same name (the users and roles are read to know).
    /// </exception>
    public static async Task<UsersAndRolesTargets?> PlanUsersAndRolesAsync(RestoreRequest request, CancellationToken ct)
    {
        if (!request.IncludeUsersAndRoles) return null;
        var (reader, _) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader)
        {
            var targets = UsersAndRolesTargetsOf(reader, request, RestorePlanner.Plan(reader, request.Filter, request.Map));
            await UsersAndRolesRead.ReadAsync(reader, targets, ct);
            return targets;
        }
    }

    private static UsersAndRolesTargets UsersAndRolesTargetsOf(IDumpReader reader, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan) =>
        UsersAndRolesTargets.For(plan, request.Map, reader, RestorePlanner.EffectiveFilter(reader, request.Filter).IncludesDatabase);

    /// <summary>The restore, on a connection to the target of its own, closed when it ends.</summary>
    public async Task<RestoreOutcome> RunAsync(RestoreRequest request, CancellationToken ct)
    {
        using var target = MongoConnection.Open(request.Connection);
        return (await RunAsync(request, target, [], ct)).Outcome;
    }

    /// <summary>
    /// The restore through a run's open <paramref name="target"/> connection, with <paramref name="moreOplog"/> replayed
    /// after the dump's own oplog as one replay (a point-in-time restore's slices); returns the outcome and how many
    /// entries of <paramref name="moreOplog"/> applied.
    /// </summary>
    internal async Task<(RestoreOutcome Outcome, long MoreApplied)> RunAsync(RestoreRequest request, MongoConnection target,
        IReadOnlyList<OplogSegment> moreOplog, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (reader, scope) = await RestoreSource.OpenAsync(request, observer, ct);
        await using var source = reader;
        var client = target.Client;
        var cluster = reader as Cluster.ClusterSnapshotReader;
        var topology = await ServerTopology.DiscoverAsync(client, ct, allowMongos: cluster is not null);

        var plan = RestorePlanner.Plan(reader, request.Filter, request.Map);
        // Where users and roles go is settled before anything is written: a rename that splits a database refuses here.
        var usersAndRoles = request.IncludeUsersAndRoles ? UsersAndRolesTargetsOf(reader, request, plan) : null;
        // They are read (and refused when two would be restored as one) before the first write, and restored after the data.
        var usersAndRolesRead = usersAndRoles is null ? null : await UsersAndRolesRead.ReadAsync(reader, usersAndRoles, ct);
        await DatabaseNameCase.RefuseAsync(client, plan, usersAndRoles, ct);
        // A cluster snapshot into a mongos: sharded as the source was, replayed through mongos.
        var sharding = topology.Kind == TopologyKind.Sharded ? await ShardedRestoreTarget.OpenAsync(client, cluster!, request.Drop, observer, ct) : null;
        var outcome = new RestoreOutcome(reader.Location, request.Connection.DisplayName, DateTimeOffset.UtcNow);
        observer.Verbose($"Restoring {plan.Count} namespaces from {reader.Location} to {request.Connection.DisplayName}.");
        foreach (var ns in plan) observer.Debug($"{ns.SourceNamespace} -> {ns.TargetNamespace} ({ns.Type}, from {ns.Source.Location}).");

        long moreApplied;
        try
        {
            var preparer = new TargetPreparer(client, request.Map, request.Resume);
            if (sharding is not null) await sharding.PrepareDatabasesAsync(plan, ct);
            var ready = await PrepareTargetsAsync(preparer, request, plan, outcome, sharding, ct);
            await RestoreDataAsync(client, preparer, request, reader, ready, clock, ct);
            if (usersAndRolesRead is not null)
            {
                try
                {
                    var (users, roles) = await new UsersAndRolesRestorer(client, observer)
                        .RestoreAsync(reader.Location, usersAndRolesRead, request.Drop, ct);
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

            moreApplied = await new OplogReplayPhase(client, request, observer, sharding?.ReplayTarget(plan)).RunAsync(reader, scope, ready.Select(r => (r.Ns, r.Result)), moreOplog, outcome, ct);
            await FinalCounts.CountAsync(client, outcome, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            observer.Warning(RestoreInterruption.Describe(outcome));
            throw;
        }

        outcome.Duration = clock.Elapsed;
        return (outcome, moreApplied);
    }

    private async Task<List<Prepared>> PrepareTargetsAsync(
        TargetPreparer preparer, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan, RestoreOutcome outcome, ShardedRestoreTarget? sharding, CancellationToken ct)
    {
        var ready = new List<Prepared>();
        foreach (var ns in plan)
        {
            var result = new NamespaceRestoreResult(ns.SourceNamespace, ns.TargetNamespace, ns.Type);
            outcome.Namespaces.Add(result);
            var refused = TargetCheck.DamageRefusal(ns) ?? (sharding is null ? null : await sharding.RefusalAsync(ns, ct));
            if (refused is not null)
            {
                Fail(result, refused);
                continue;
            }
            try
            {
                var how = await preparer.PrepareAsync(ns, request.Drop, ct);
                if (sharding is not null) await ShardAsync(sharding, preparer, ns, how, ct);
                result.Stage = NamespaceRestoreStage.Created;
                ready.Add(new Prepared(ns, result, how));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Fail(result, e);
            }
        }
        return ready;
    }

    /// <summary>Shards a prepared target as its source was; a target the cluster refuses to shard is taken back (not left created unsharded).</summary>
    private static async Task ShardAsync(ShardedRestoreTarget sharding, TargetPreparer preparer, PlannedNamespace ns, PreparedTarget how, CancellationToken ct)
    {
        try { await sharding.ShardAsync(ns, ct); }
        catch (MongoBackupException)
        {
            await preparer.RollBackAsync(ns, how, ct);
            throw;
        }
    }

    /// <summary>A target made ready for its documents, and how (see <see cref="PreparedTarget"/>).</summary>
    private sealed record Prepared(PlannedNamespace Ns, NamespaceRestoreResult Result, PreparedTarget How);

    private async Task RestoreDataAsync(IMongoClient client, TargetPreparer preparer, RestoreRequest request, IDumpReader reader,
        List<Prepared> ready, Stopwatch clock, CancellationToken ct)
    {
        var withData = ready.Where(r => !r.Ns.IsView).ToList();
        var bySource = withData.ToDictionary(r => r.Ns.Source);
        var inserter = new DocumentInserter(client, observer, request.InsertionWorkers, request.BatchBytes, request.Resume);
        var overall = new OverallProgress("Restoring", withData.Count, observer, clock);
        var finished = new System.Collections.Concurrent.ConcurrentDictionary<NamespaceRestoreResult, bool>();
        try
        {
            await reader.ReadBlocksAsync(bySource.Keys.ToList(), async (source, documents) =>
            {
                var (ns, result, how) = bySource[source];
                var started = clock.Elapsed;
                try
                {
                    await inserter.InsertAsync(ns, documents, result, ct);
                    if (reader is Cluster.ClusterSnapshotReader cluster) result.OrphansLeftOut = cluster.OrphansLeftOut(ns.Source);
                    RequireRecordedCount(reader, ns, result);
                    if (how == PreparedTarget.KeptWithData)
                        await ResumedTargetCheck.RequireCountAsync(client.GetDatabase(ns.TargetDatabase), ns, result, ct);
                    result.Stage = NamespaceRestoreStage.DataRestored;
                    observer.Verbose($"{ns.TargetNamespace}: {result.Documents} documents restored from {ns.SourceNamespace}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // An archive's other namespaces go on: its reader stops feeding one whose consumer has returned.
                    if (IsDamage(e)) await RollBackAsync(preparer, ns, result, how, ct);
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
            var open = withData.Where(r => r.Result.Error is null && !finished.ContainsKey(r.Result)).ToList();
            foreach (var unfinished in open) Fail(unfinished.Result, e);
            // Damage no chosen namespace owns (a header that lists nothing, or bytes after the last end marker) is the
            // whole archive's: never a success that silently restored less than the archive holds.
            var blamed = open.Count > 0 || withData.Any(r => r.Result.Error?.Contains(e.Message, StringComparison.Ordinal) == true);
            if (!blamed)
                throw new MongoBackupException(ErrorIds.CorruptFile,
                    $"{e.Message}. {finished.Count} namespace(s) read before the damage were restored whole and are kept; the rest of the archive was not restored.",
                    e, e.File);
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

    /// <summary>
    /// A namespace's file found damaged as it was read (its BSON, or at its end its size, SHA-256 or the counts its
    /// manifest records): what was restored from it is taken back, not left half-way.
    /// </summary>
    private static bool IsDamage(Exception e) => e is CorruptDumpException or MongoBackupException { ErrorId: ErrorIds.CorruptFile };

    /// <summary>Takes back what was restored from a file found damaged part-way; says so when that fails too.</summary>
    private async Task RollBackAsync(TargetPreparer preparer, PlannedNamespace ns, NamespaceRestoreResult result, PreparedTarget how, CancellationToken ct)
    {
        try
        {
            if (!await preparer.RollBackAsync(ns, how, ct))
            {
                observer.Warning($"{ns.TargetNamespace}: its file is damaged; it held documents before this restore (-Resume), so the " +
                    $"{result.Documents} restored from the damaged file were left in it. Restore it again with -Drop from an intact snapshot.");
                return;
            }
            observer.Verbose($"{ns.TargetNamespace}: the {result.Documents} documents restored before the damage was found were removed.");
            result.Documents = 0;
            result.Stage = NamespaceRestoreStage.NotStarted;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            observer.Warning($"{ns.TargetNamespace}: its file is damaged, and the {result.Documents} documents restored from it could not be removed: {e.Message}");
        }
    }

    private void Fail(NamespaceRestoreResult result, Exception e) => NamespaceFailures.Record(observer, result, e);
}
