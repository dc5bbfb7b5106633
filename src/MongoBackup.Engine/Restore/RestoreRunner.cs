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
    /// <summary>How long a stopped restore through a mongos may take to drop the databases it created that hold nothing (<see cref="ShardedRestoreTarget.SettleInterruptedAsync"/>).</summary>
    internal static TimeSpan InterruptedCleanupLimit { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>What a restore would do, without writing anything (for -WhatIf).</summary>
    public static async Task<IReadOnlyList<PlannedNamespace>> PlanAsync(RestoreRequest request, CancellationToken ct)
    {
        var (reader, _) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader) return RestorePlanner.Plan(reader, request.Filter, request.Map);
    }

    /// <summary>
    /// The namespaces (source "db.coll") the dump's oplog replay creates that <see cref="PlanAsync"/> does not list, within
    /// the request's filters: what a dump holding only an oplog.bson restores, as mongorestore --oplogReplay does. Empty
    /// with -NoOplogReplay or without an oplog. Reads the oplog once; writes nothing. Handed to
    /// <see cref="RunAsync(RestoreRequest, DumpOplogCreations?, CancellationToken)"/>, the run checks and creates what this
    /// found without reading the oplog for it again. An oplog that cannot be read to its end gives what it creates before
    /// the damage (the run's own check of the oplog then refuses the replay).
    /// </summary>
    public static async Task<DumpOplogCreations> PlanReplayCreatedAsync(RestoreRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NoOplogReplay) return new DumpOplogCreations(request, [], []);
        var (reader, scope) = await RestoreSource.OpenAsync(request, leaseFor: null, ct);
        await using (reader)
        {
            if (!reader.HasOplog) return new DumpOplogCreations(request, [], []);
            var planned = RestorePlanner.Plan(reader, request.Filter, request.Map).Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal);
            var coverage = new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Filter));
            var segment = new OplogSegment(reader.Location, reader.ReadOplogAsync(ct));
            var finder = ReplayCreatedTargets.Finder(coverage, planned);
            var whole = true;
            try
            {
                await foreach (var raw in reader.ReadOplogAsync(ct))
                    if (!finder.Add(segment, raw)) break;
            }
            catch (Exception e) when (e is CorruptDumpException or InvalidDataException or MongoBackupException or IOException)
            {
                whole = false; // what it creates before the damage is listed; the run reads the oplog for itself
            }
            var found = finder.Found;
            return new DumpOplogCreations(request, whole ? found : null, found.Select(n => n.Database + "." + n.Collection).ToList());
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
        {
            if (source != target && NamespaceNames.DatabaseProblem(target) is { } problem)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"Cannot restore the users and roles of {source} as those of {target}: MongoDB refuses that database name, {problem}. Nothing was written.",
                    target: target);
            if (source != target && Model.NamespaceMap.ServerDatabaseProblem(target) is { } reserved)
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"Cannot restore the users and roles of {source} as those of {target}, where a rename sends them: {reserved}. Nothing was written. " +
                    "Rename it into a database of your own.", target: target);
        }
        return targets;
    }

    /// <summary>The restore, on a connection to the target of its own, closed when it ends.</summary>
    public Task<RestoreOutcome> RunAsync(RestoreRequest request, CancellationToken ct) => RunAsync(request, shown: null, ct);

    /// <summary>
    /// The restore, on a connection to the target of its own, closed when it ends. <paramref name="shown"/>: what
    /// <see cref="PlanReplayCreatedAsync"/> found the dump's oplog creates (listed and confirmed by the user), used in place
    /// of reading the oplog for it again when it was found for this request (its filter the same, or narrower: namespaces
    /// declined at a prompt left out); null: the run finds it.
    /// </summary>
    public async Task<RestoreOutcome> RunAsync(RestoreRequest request, DumpOplogCreations? shown, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var target = MongoConnection.Open(request.Connection);
        return (await RunAsync(request, target, [], shown?.FoundFor(request), ct)).Outcome;
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
        // A test restore into scratch databases (Test-MongoSnapshot) leaves users and roles and the server's own databases out by
        // design, and checks their files instead: telling its user to restore again with -IncludeUsersAndRoles would be wrong.
        if (!request.IsScratchCheck) await LeftOutOfRestore.WarnAsync(reader, request, plan, observer, ct);
        // Where users and roles go is settled before anything is written: a rename that splits a database refuses here.
        var usersAndRoles = request.IncludeUsersAndRoles ? UsersAndRolesTargetsOf(reader, request, plan) : null;
        // They are read (and refused when two would be restored as one) before the first write, and restored after the data.
        var usersAndRolesRead = usersAndRoles is null ? null : await UsersAndRolesRead.ReadAsync(reader, usersAndRoles, ct);
        await DatabaseNameCase.RefuseAsync(client, plan, usersAndRoles, ct);
        // What the replay creates is held to the plan's rename rules too, before the first write (read only when renaming);
        // what that read found is what the replay phase checks the targets of, without reading the oplog again.
        var coverage = new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Filter));
        // Found for a filter this one narrows (namespaces declined at a prompt excluded): the same list, less what it leaves out.
        createdByOplog = createdByOplog?.Where(c => coverage.Covers(c.Database, c.Collection)).ToList();
        var segments = OplogReplayPhase.Segments(request, reader, moreOplog, ct);
        // A renaming restore that needs it now has the dump's oplog checked whole now, finding what it creates on the way
        // (a mongodump folder's oplog.bson, read once for both); the replay phase takes that check as it is.
        var checkedOplog = createdByOplog is null && !request.Map.IsIdentity && OplogReplayPhase.ChecksDumpOplog(request, reader, segments) && reader.OplogCheckReadsEntries
            ? await OplogReplayPhase.CheckAsync(reader, segments, coverage, plan.Select(p => p.SourceNamespace).ToHashSet(StringComparer.Ordinal), ct)
            : null;
        // A damaged oplog is not replayed (the replay phase says so): its renames are not checked against it.
        var created = checkedOplog?.Damage is not null ? null
            : await ReplayCreatedTargets.RequireRenamesFitAsync(request, plan, segments, coverage, createdByOplog ?? checkedOplog?.Created, ct);
        // Into a mongos: a cluster snapshot sharded as the source was, any other dump unsharded; replayed through mongos.
        var sharding = topology.Kind == TopologyKind.Sharded ? await ShardedRestoreTarget.OpenAsync(client, cluster, request.Drop, observer, ct) : null;
        var outcome = new RestoreOutcome(reader.Location, request.Connection.DisplayName, DateTimeOffset.UtcNow) { SnapshotId = reader.SnapshotId };
        observer.Verbose($"Restoring {plan.Count} namespaces from {reader.Location} to {request.Connection.DisplayName}.");
        foreach (var ns in plan) observer.Debug($"{ns.SourceNamespace} -> {ns.TargetNamespace} ({ns.Type}, from {ns.Source.Location}).");

        long moreApplied;
        try
        {
            var preparer = new TargetPreparer(client, request.Map, request.Resume, buildsIndexes: !request.NoIndexRestore,
                identity: RestoreIdentity.Of(request), restores: coverage.Covers, warn: observer.Warning, convertLegacyIndexes: request.ConvertLegacyIndexes);
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

            moreApplied = await new OplogReplayPhase(client, request, observer, sharding?.ReplayTarget(plan)).RunAsync(reader, scope, ready, moreOplog, created, checkedOplog, outcome, ct);
            RefusedDocuments.Report(observer, outcome);
            await FinalCounts.CountAsync(client, outcome, ct);
            await RestoreRecords.ClearAsync(client, outcome, ct);
            if (sharding is not null) await sharding.RemoveEmptyDatabasesAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Through a mongos, the databases it created (enableSharding, before their collections) are not left empty unsaid.
            var databases = sharding is null ? null : await sharding.SettleInterruptedAsync(InterruptedCleanupLimit);
            observer.Warning(RestoreInterruption.Describe(outcome, databases));
            throw;
        }
        catch (Exception) when (sharding is not null && !ct.IsCancellationRequested)
        {
            // A restore that fails part-way takes back, as one that ends does, the databases it created that hold nothing.
            await sharding.RemoveEmptyDatabasesAsync(ct);
            throw;
        }

        outcome.Duration = clock.Elapsed;
        return (outcome, moreApplied);
    }
}

/// <summary>
/// What the oplog of a dump creates beyond its files (<see cref="RestoreRunner.PlanReplayCreatedAsync"/>): the source
/// namespaces listed to the user, and what was found, for a run of the same restore to check and create exactly those
/// without reading the oplog again.
/// </summary>
public sealed class DumpOplogCreations
{
    private readonly RestoreRequest _request;
    private readonly IReadOnlyList<OplogCreatedNamespace>? _found;

    internal DumpOplogCreations(RestoreRequest request, IReadOnlyList<OplogCreatedNamespace>? found, IReadOnlyList<string> namespaces)
    {
        (_request, _found) = (request, found);
        Namespaces = namespaces;
    }

    /// <summary>Each source namespace ("db.coll") the replay creates, in the order the oplog first creates it.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>
    /// What was found, for a run of <paramref name="request"/>: null when it was found for another source, oplog or
    /// renames, or by a read that damage cut short. Its filter and users-and-roles choice may differ (a prompt declined
    /// some): the run leaves out what its own filter does not take.
    /// </summary>
    internal IReadOnlyList<OplogCreatedNamespace>? FoundFor(RestoreRequest request) =>
        (request with { Filter = _request.Filter, IncludeUsersAndRoles = _request.IncludeUsersAndRoles }).Equals(_request) ? _found : null;
}
