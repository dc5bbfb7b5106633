using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Restores a snapshot folder, a mongodump directory or an archive: collections and views with their options,
/// then documents through parallel insertion workers, then users and roles when asked, then the dump's oplog up to
/// its consistency point (only into what the restore covers), then indexes, built after the replay as mongorestore
/// builds them. A namespace that fails is reported and the others go on. This class runs the steps in order; each is
/// its own phase (<see cref="TargetPreparationPhase"/>, <see cref="DataRestorePhase"/>, <see cref="UsersAndRolesRestorer"/>,
/// <see cref="OplogReplayPhase"/>, <see cref="FinalCounts"/>).
/// </summary>
public sealed class RestoreRunner(IEngineObserver observer)
{
    /// <summary>What a restore would do, without writing anything (for -WhatIf).</summary>
    public static async Task<IReadOnlyList<PlannedNamespace>> PlanAsync(RestoreRequest request, CancellationToken ct)
    {
        var (reader, _) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader) return RestorePlanner.Plan(reader, request.Filter, request.Map);
    }

    /// <summary>
    /// The namespaces (source "db.coll") the dump's oplog replay creates that <see cref="PlanAsync"/> does not list, within
    /// the request's filters: what a dump holding only an oplog.bson restores, as mongorestore --oplogReplay does. Empty
    /// with -NoOplogReplay or without an oplog. Reads the oplog; writes nothing.
    /// </summary>
    public static async Task<IReadOnlyList<string>> PlanReplayCreatedAsync(RestoreRequest request, CancellationToken ct)
    {
        if (request.NoOplogReplay) return [];
        var (reader, scope) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader)
        {
            if (!reader.HasOplog) return [];
            var planned = RestorePlanner.Plan(reader, request.Filter, request.Map).Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal);
            var coverage = new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Filter));
            var segment = new OplogSegment(reader.Location, reader.ReadOplogAsync(ct)) { Reread = () => reader.ReadOplogAsync(ct) };
            try
            {
                return (await ReplayCreatedTargets.FindAsync([segment], coverage, planned, ct)).Select(n => n.Database + "." + n.Collection).ToList();
            }
            catch (CorruptDumpException e)
            {
                throw e.ToCorruptFile(); // the oplog cannot be read to its end: the replay could not be either
            }
        }
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

    private static UsersAndRolesTargets UsersAndRolesTargetsOf(IDumpReader reader, RestoreRequest request, IReadOnlyList<PlannedNamespace> plan)
    {
        var targets = UsersAndRolesTargets.For(plan, request.Map, reader, RestorePlanner.EffectiveFilter(reader, request.Filter).TakesUsersAndRolesOf);
        // A database that only users or roles are restored into is judged as the namespaces' targets are (RestorePlanner).
        foreach (var (source, target) in targets.Databases)
            if (source != target && NamespaceNames.DatabaseProblem(target) is { } problem)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"Cannot restore the users and roles of {source} as those of {target}: MongoDB refuses that database name, {problem}. Nothing was written.",
                    target: target);
        return targets;
    }

    /// <summary>The restore, on a connection to the target of its own, closed when it ends.</summary>
    public async Task<RestoreOutcome> RunAsync(RestoreRequest request, CancellationToken ct)
    {
        using var target = MongoConnection.Open(request.Connection);
        return (await RunAsync(request, target, [], null, ct)).Outcome;
    }

    /// <summary>
    /// The restore through a run's open <paramref name="target"/> connection, with <paramref name="moreOplog"/> replayed
    /// after the dump's own oplog as one replay (a point-in-time restore's slices); returns the outcome and how many
    /// entries of <paramref name="moreOplog"/> applied. <paramref name="createdByOplog"/>: what the replayed oplog creates
    /// beyond the plan, found over these same segments before (a point-in-time plan shown to the user), so the run checks
    /// and creates those targets without reading the oplog for them again; null: the run finds them.
    /// </summary>
    internal async Task<(RestoreOutcome Outcome, long MoreApplied)> RunAsync(RestoreRequest request, MongoConnection target,
        IReadOnlyList<OplogSegment> moreOplog, IReadOnlyList<OplogCreatedNamespace>? createdByOplog, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (reader, scope) = await RestoreSource.OpenAsync(request, observer, ct);
        await using var source = reader;
        var client = target.Client;
        var cluster = reader as Cluster.ClusterSnapshotReader;
        var topology = await ServerTopology.DiscoverAsync(client, ct, allowMongos: true);

        var plan = RestorePlanner.Plan(reader, request.Filter, request.Map);
        foreach (var records in RestorePlanner.ModuleRecordsIn(reader, request.Filter))
            observer.Verbose($"{records.Database}.{records.Collection} in {reader.Location} is skipped: it holds the records of a restore into " +
                $"{records.Database} on the source (MongoBackup's own bookkeeping, not data).");
        await LeftOutOfRestore.WarnAsync(reader, request, plan, observer, ct);
        // Where users and roles go is settled before anything is written: a rename that splits a database refuses here.
        var usersAndRoles = request.IncludeUsersAndRoles ? UsersAndRolesTargetsOf(reader, request, plan) : null;
        // They are read (and refused when two would be restored as one) before the first write, and restored after the data.
        var usersAndRolesRead = usersAndRoles is null ? null : await UsersAndRolesRead.ReadAsync(reader, usersAndRoles, ct);
        await DatabaseNameCase.RefuseAsync(client, plan, usersAndRoles, ct);
        // What the replay creates is held to the plan's rename rules too, before the first write (read only when renaming);
        // what that read found is what the replay phase checks the targets of, without reading the oplog again.
        var coverage = new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Filter));
        var created = await ReplayCreatedTargets.RequireRenamesFitAsync(request, plan, OplogReplayPhase.Segments(request, reader, moreOplog, ct), coverage,
            createdByOplog, ct);
        // Into a mongos: a cluster snapshot sharded as the source was, any other dump unsharded; replayed through mongos.
        var sharding = topology.Kind == TopologyKind.Sharded ? await ShardedRestoreTarget.OpenAsync(client, cluster, request.Drop, observer, ct) : null;
        var outcome = new RestoreOutcome(reader.Location, request.Connection.DisplayName, DateTimeOffset.UtcNow) { SnapshotId = reader.SnapshotId };
        observer.Verbose($"Restoring {plan.Count} namespaces from {reader.Location} to {request.Connection.DisplayName}.");
        foreach (var ns in plan) observer.Debug($"{ns.SourceNamespace} -> {ns.TargetNamespace} ({ns.Type}, from {ns.Source.Location}).");

        long moreApplied;
        try
        {
            var preparer = new TargetPreparer(client, request.Map, request.Resume, buildsIndexes: !request.NoIndexRestore,
                identity: RestoreIdentity.Of(request), restores: coverage.Covers, warn: observer.Warning);
            if (sharding is not null) await sharding.PrepareDatabasesAsync(plan, ct);
            var ready = await new TargetPreparationPhase(observer).RunAsync(preparer, request, plan, outcome, sharding, ct);
            await new DataRestorePhase(client, observer).RunAsync(preparer, request, reader, ready, clock, ct);
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

            moreApplied = await new OplogReplayPhase(client, request, observer, sharding?.ReplayTarget(plan)).RunAsync(reader, scope, ready, moreOplog, created, outcome, ct);
            RefusedDocuments.Report(observer, outcome);
            await FinalCounts.CountAsync(client, outcome, ct);
            await RestoreRecords.ClearAsync(client, outcome, ct);
            if (sharding is not null) await sharding.RemoveEmptyDatabasesAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            observer.Warning(RestoreInterruption.Describe(outcome));
            throw;
        }

        outcome.Duration = clock.Elapsed;
        return (outcome, moreApplied);
    }
}
