using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The end of a restore: the replay of its oplog (the dump's own, then the slices a point-in-time restore adds, as one
/// replay) into what the restore covers, then the indexes, built after the replay. Namespaces the replay failed, or
/// whose indexes the server refused, are reported like any failed namespace; one whose indexes were refused is dropped
/// when the restore created it, and otherwise the report says what it was left holding (<see cref="IndexFailure"/>). The replay goes to <paramref name="target"/>
/// (a mongos's), or through applyOps when it is null.
/// </summary>
internal sealed class OplogReplayPhase(IMongoClient client, RestoreRequest request, IEngineObserver observer, IReplayTarget? target = null)
{
    /// <summary>
    /// Replays the dump's oplog and then <paramref name="moreOplog"/> (unless -NoOplogReplay), then builds the indexes:
    /// the dump's (unless -NoIndexRestore) and the ones the replayed oplog created; returns how many entries of
    /// <paramref name="moreOplog"/> were applied.
    /// </summary>
    /// <param name="created">
    /// What the oplog creates beyond the plan, as read before the restore wrote anything over these same segments and
    /// coverage (<see cref="ReplayCreatedTargets.RequireRenamesFitAsync"/>); null when it was not read then.
    /// </param>
    /// <param name="checkedOplog">The dump's oplog as <see cref="CheckAsync"/> found it before the restore wrote anything; null: it is checked here.</param>
    public async Task<long> RunAsync(IDumpReader reader, SnapshotScope scope, IReadOnlyList<PreparedNamespace> ready,
        IReadOnlyList<OplogSegment> moreOplog, IReadOnlyList<OplogCreatedNamespace>? created, DumpOplogCheck? checkedOplog, RestoreOutcome outcome,
        CancellationToken ct)
    {
        var state = Seed(ready.Select(r => (r.Ns, r.Result)), withIndexes: !request.NoIndexRestore);
        // A namespace refused before it was made ready (TargetNotEmpty, TargetIncompatible: not in ready) is left alone
        // by the replay too: a dump holding it both as a file and as a create in its oplog would otherwise write the
        // oplog's inserts into the target's own collection the error says was not touched.
        foreach (var refused in outcome.Namespaces.Where(n => n.Error is not null)) state.Fail(refused.SourceNamespace, refused.Error!);
        long moreApplied = 0;
        var segments = Segments(request, reader, moreOplog, ct);
        // The namespaces the restore took: a pattern that is exactly a name in the dump means that name.
        var coverage = new ReplayCoverage(scope, RestorePlanner.EffectiveFilter(reader, request.Filter));
        MongoBackupException? damage = null;
        if (ChecksDumpOplog(request, reader, segments))
        {
            // Checked once: before the first write when a renaming restore needed what it creates then (the run's own
            // check, handed here), or now; the check finds what the replay creates on its way when it reads the entries
            // (a mongodump folder's oplog.bson) and that was not found before, so the oplog is not read again for it.
            checkedOplog ??= await CheckAsync(reader, segments, coverage,
                created is null ? outcome.Namespaces.Select(n => n.SourceNamespace).ToHashSet(StringComparer.Ordinal) : null, ct);
            damage = checkedOplog.Damage;
            created ??= checkedOplog.Created;
        }
        if (damage is not null)
        {
            outcome.OplogError = damage.Message;
            observer.NamespaceFailed("oplog", damage);
        }
        else if (segments.Count > 0 && !request.NoOplogReplay)
        {
            // What the replay creates beyond the restored files is held to their rule before it writes anything.
            await new ReplayCreatedTargets(client, request, observer, recordsOnlyInExistingDatabases: target is not null).PrepareAsync(segments, coverage, state, outcome, created, ct);
            var replay = await ReplayAsync(segments, coverage, state, outcome, ct);
            moreApplied = replay.AppliedBySegment.TakeLast(moreOplog.Count).Sum();
        }
        await BuildIndexesAsync(state, outcome, ready.ToDictionary(r => r.Ns.SourceNamespace, r => r.How), ct);
        return moreApplied;
    }

    /// <summary>The oplog a restore replays: the dump's own (or the one the request gives), then <paramref name="moreOplog"/>.</summary>
    internal static List<OplogSegment> Segments(RestoreRequest request, IDumpReader reader, IReadOnlyList<OplogSegment> moreOplog, CancellationToken ct)
    {
        var own = request.DumpOplog ?? (reader.HasOplog ? new OplogSegment(reader.Location, reader.ReadOplogAsync(ct)) { Reread = () => reader.ReadOplogAsync(ct) } : null);
        return own is not null ? [own, .. moreOplog] : [.. moreOplog];
    }

    /// <summary>Whether the replay of <paramref name="segments"/> begins with the dump's own oplog, which is checked whole first (<see cref="CheckAsync"/>).</summary>
    internal static bool ChecksDumpOplog(RestoreRequest request, IDumpReader reader, IReadOnlyList<OplogSegment> segments) =>
        segments.Count > 0 && !request.NoOplogReplay && request.DumpOplog is null && reader.HasOplog;

    /// <summary>
    /// The dump's oplog, the first of <paramref name="segments"/>, checked whole (<see cref="OplogDamageAsync"/>); when
    /// <paramref name="planned"/> is given and the check reads the entries (<see cref="IDumpReader.OplogCheckReadsEntries"/>),
    /// what the replay of all the segments creates beyond <paramref name="planned"/> within <paramref name="coverage"/> is found
    /// on its way (<see cref="ReplayCreatedTargets.FindAsync"/>'s list), the later segments read for it after.
    /// </summary>
    internal static async Task<DumpOplogCheck> CheckAsync(IDumpReader reader, IReadOnlyList<OplogSegment> segments, ReplayCoverage coverage,
        IReadOnlySet<string>? planned, CancellationToken ct)
    {
        var finder = planned is null || segments.Skip(1).Any(s => s.Reread is null) ? null : ReplayCreatedTargets.Finder(coverage, planned);
        var (damage, readThrough) = await OplogDamageAsync(reader, finder is null ? null : raw => finder.Add(segments[0], raw), ct);
        if (damage is not null || finder is null || !readThrough) return new DumpOplogCheck(damage, null);
        await finder.ReadAsync(segments.Skip(1), ct);
        return new DumpOplogCheck(null, finder.Found);
    }

    /// <summary>
    /// The dump's oplog checked whole before any entry is applied (<see cref="IDumpReader.VerifyOplogAsync"/>): a damaged
    /// one refuses the replay, since the entries before the damage are no more trusted than the rest (a checksum fails
    /// for the whole stream), and a replay stopped part-way would leave the target neither as the dump copied it nor at
    /// its consistency point. Null when it is whole; with it, whether every entry went through <paramref name="eachEntry"/>
    /// (when the check reads them, <see cref="IDumpReader.OplogCheckReadsEntries"/>).
    /// </summary>
    private static async Task<(MongoBackupException? Damage, bool ReadThrough)> OplogDamageAsync(IDumpReader reader, Action<byte[]>? eachEntry, CancellationToken ct)
    {
        try
        {
            if (eachEntry is null || !reader.OplogCheckReadsEntries)
            {
                await reader.VerifyOplogAsync(ct);
                return (null, false);
            }
            // The check is this read to the end (IDumpReader.OplogCheckReadsEntries): each entry is handed on as it goes.
            await foreach (var entry in reader.ReadOplogAsync(ct)) eachEntry(entry);
            return (null, true);
        }
        catch (Exception e) when (e is CorruptDumpException or InvalidDataException or MongoBackupException { ErrorId: ErrorIds.CorruptFile })
        {
            var file = (e as CorruptDumpException)?.File ?? (e as MongoBackupException)?.Target ?? reader.Location;
            return (new MongoBackupException(ErrorIds.CorruptFile,
                $"The oplog of {reader.Location} is damaged, so it was not replayed: no entry of it was applied. {e.Message.TrimEnd('.')}. " +
                "The collections restored from intact data are kept as the dump copied them, not brought to the point its oplog ends at; " +
                "restore from an intact copy of the dump to have that point.", e, file), false);
        }
    }

    /// <summary>
    /// The replay's starting state: the namespaces restored from the dump, and their indexes still to build. One that
    /// failed (damaged, refused) is failed in the replay too: the replay writes nothing to it, not even a create of it
    /// (that would write part of a namespace reported not restored, or into what the target holds under its name), and
    /// a dropDatabase leaves it.
    /// </summary>
    private static ReplayState Seed(IEnumerable<(PlannedNamespace Ns, NamespaceRestoreResult Result)> ready, bool withIndexes)
    {
        var state = new ReplayState();
        foreach (var (ns, result) in ready)
        {
            if (result.Error is not null)
            {
                state.Fail(ns.SourceNamespace, result.Error);
                continue;
            }
            state.Holds(ns.SourceNamespace);
            if (!withIndexes || ns.IsView) continue;
            foreach (var spec in ns.Metadata?.Indexes ?? []) state.Indexes.Add(ns.SourceNamespace, spec);
        }
        return state;
    }

    private async Task<OplogReplayOutcome> ReplayAsync(IReadOnlyList<OplogSegment> segments, ReplayCoverage coverage, ReplayState state,
        RestoreOutcome outcome, CancellationToken ct)
    {
        outcome.OplogReplayBegun = true;
        outcome.ReplayWrites = state.Written;
        var rewriter = new OplogEntryRewriter(coverage, request.Map, state, shardedTarget: target is not null, warn: observer.Warning);
        var replay = await new OplogReplayer(client, rewriter, state, observer, target).ReplayAsync(segments, ct);
        outcome.OplogEntriesApplied = replay.Applied;
        if (replay.Transactions.Atomic > 0)
            observer.Verbose($"{replay.Transactions.Atomic} committed transaction(s) applied through the mongos, each as one transaction.");
        if (replay.Transactions.AsSeparateWrites > 0)
            observer.Warning($"{replay.Transactions.AsSeparateWrites} committed transaction(s) of the replayed oplog also created or changed a collection " +
                "(a command inside the transaction), which the replay does not send inside a transaction: their writes were applied one after another, not atomically.");
        if (replay.Error is { } error)
        {
            outcome.OplogError = error.Message;
            observer.NamespaceFailed("oplog", error);
        }
        foreach (var (ns, reason) in state.Failed)
        {
            var result = ResultOf(outcome, state, ns);
            if (result.Error is not null) continue; // failed before the replay, and reported then
            NamespaceFailures.Record(observer, result, new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{result.TargetNamespace} was not restored: {reason}.", target: result.TargetNamespace));
        }
        return replay;
    }

    /// <summary>
    /// Builds every index still to build, on the namespaces' target names. <paramref name="prepared"/> says how each
    /// planned namespace's target was made ready: one the restore created is dropped when its indexes are refused.
    /// </summary>
    private async Task BuildIndexesAsync(ReplayState state, RestoreOutcome outcome, IReadOnlyDictionary<string, PreparedTarget> prepared, CancellationToken ct)
    {
        var indexes = new IndexRestorer(client);
        foreach (var (ns, onBuckets, specs) in state.Indexes.Pending)
        {
            var planned = outcome.Namespaces.FirstOrDefault(n => n.SourceNamespace == ns);
            if (state.HasFailed(ns) || planned?.Error is not null) continue;
            var (db, collection) = NamespaceName.Split(ns);
            var (targetDb, targetCollection) = request.Map.Map(db, collection);
            var toBuild = request.ConvertLegacyIndexes
                ? LegacyIndexConversion.Convert(specs, targetDb + "." + targetCollection, !IndexRestorer.KnowsIgnoreUnknownIndexOptions(client), observer.Verbose, observer.Warning)
                : specs;
            try
            {
                // A time-series collection's buckets-level specs (from the oplog) go to its buckets, as they were built.
                var built = await indexes.CreateAsync(targetDb, onBuckets ? TimeseriesBuckets.Of(targetCollection) : targetCollection, toBuild, ct);
                if (planned is not null) (planned.Indexes, planned.Stage) = (planned.Indexes + built, NamespaceRestoreStage.IndexesBuilt);
            }
            catch (MongoCommandException e)
            {
                var result = ResultOf(outcome, state, ns);
                var how = planned is not null && prepared.TryGetValue(ns, out var p) ? p : (PreparedTarget?)null;
                NamespaceFailures.Record(observer, result, await new IndexFailure(client, observer).SettleAsync(result, how, toBuild, e, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                NamespaceFailures.Record(observer, ResultOf(outcome, state, ns), e);
            }
        }
        // Every namespace still standing is whole now, those with no index to build too (what a stop would report).
        foreach (var result in outcome.Namespaces.Where(n => n.Error is null)) result.Stage = NamespaceRestoreStage.IndexesBuilt;
    }

    /// <summary>
    /// The result of a source namespace: the dump's, or a new one for a namespace the replay created (a time-series
    /// collection when its create said so).
    /// </summary>
    private NamespaceRestoreResult ResultOf(RestoreOutcome outcome, ReplayState state, string ns)
    {
        if (outcome.Namespaces.FirstOrDefault(n => n.SourceNamespace == ns) is { } planned) return planned;
        var (db, collection) = NamespaceName.Split(ns);
        var (targetDb, targetCollection) = request.Map.Map(db, collection);
        var created = new NamespaceRestoreResult(ns, targetDb + "." + targetCollection,
            state.CreatedAsTimeseries(ns) ? CollectionMetadata.TimeseriesType : CollectionMetadata.CollectionType);
        outcome.Namespaces.Add(created);
        return created;
    }
}

/// <summary>
/// A dump's oplog checked whole before the replay (<see cref="OplogReplayPhase.CheckAsync"/>): the damage that refuses the
/// replay (null when whole), and what the replay creates when the check found it on its way (null when it did not).
/// </summary>
internal sealed record DumpOplogCheck(MongoBackupException? Damage, IReadOnlyList<OplogCreatedNamespace>? Created);
