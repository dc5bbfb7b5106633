using System.Diagnostics;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// The documents of a restore: every prepared namespace's file read (in parallel, or an archive in one pass) and its
/// documents inserted, each namespace's count checked against what its snapshot's manifest records. A namespace whose
/// file is found damaged part-way is taken back (not left half restored) and reported; the others go on.
/// </summary>
internal sealed class DataRestorePhase(IMongoClient client, IEngineObserver observer)
{
    /// <summary>
    /// Reads the documents of every namespace in <paramref name="ready"/> from <paramref name="reader"/> and inserts them,
    /// recording each namespace's count, duration and failure in its result.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile: the archive is damaged where no chosen namespace was being read.</exception>
    public async Task RunAsync(TargetPreparer preparer, RestoreRequest request, IDumpReader reader,
        List<PreparedNamespace> ready, Stopwatch clock, CancellationToken ct)
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
                    if (result.IsTimeseries) await CountMeasurementsAsync(ns, result, ct);
                    else observer.Verbose($"{ns.TargetNamespace}: {result.Documents} documents restored from {ns.SourceNamespace}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // An archive's other namespaces go on: its reader stops feeding one whose consumer has returned.
                    if (IsDamage(e)) await RollBackAsync(preparer, ns, result, how, ct);
                    NamespaceFailures.Record(observer, result, e);
                }
                result.Duration = clock.Elapsed - started;
                finished[result] = true;
                overall.NamespaceDone(result.Documents, 0);
            }, request.ParallelCollections, ct);
        }
        catch (CorruptDumpException e)
        {
            // Raised by the reader itself (an archive's framing): the namespaces still open are incomplete; those whose
            // documents all arrived (their end marker and checksum read) were restored and are not blamed. A namespace
            // whose documents fail their checksum, the framing intact, does not come here: that damage is its own and
            // reaches it alone, through its documents' stream (DumpArchiveReader), as a damaged file of a folder does.
            var open = withData.Where(r => r.Result.Error is null && !finished.ContainsKey(r.Result)).ToList();
            foreach (var unfinished in open) NamespaceFailures.Record(observer, unfinished.Result, e);
            // Damage no chosen namespace owns (a header that lists nothing, or bytes after the last end marker) is the
            // whole archive's: never a success that silently restored less than the archive holds.
            var blamed = open.Count > 0 || withData.Any(r => r.Result.Error?.Contains(e.Message, StringComparison.Ordinal) == true);
            if (!blamed)
                throw new MongoBackupException(ErrorIds.CorruptFile,
                    $"{e.Message}. {finished.Count} namespace(s) read before the damage were restored whole and are kept; the rest of the archive was not restored.",
                    e, e.File);
        }
    }

    /// <summary>
    /// A time-series collection whose buckets are all in: the measurements they hold, as a user counts them (what its
    /// result reports beside the buckets, which the checks compare). A count the server does not answer leaves it unknown.
    /// </summary>
    private async Task CountMeasurementsAsync(PlannedNamespace ns, NamespaceRestoreResult result, CancellationToken ct)
    {
        try
        {
            result.Measurements = await TimeseriesMeasurements.CountAsync(client, ns.TargetDatabase, ns.TargetCollection, ct);
            observer.Verbose($"{ns.TargetNamespace}: {result.Documents} buckets holding {result.Measurements} measurements restored from {ns.SourceNamespace}.");
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            observer.Verbose($"{ns.TargetNamespace}: {result.Documents} buckets restored from {ns.SourceNamespace}; their measurements could not be counted: {e.Message}");
        }
    }

    /// <summary>
    /// What reached the server (inserted or refused) must be what the snapshot's manifest records for the namespace: for a
    /// time-series collection, buckets on both sides (its file holds its buckets, and the manifest counts its file).
    /// </summary>
    private static void RequireRecordedCount(IDumpReader reader, PlannedNamespace ns, NamespaceRestoreResult result)
    {
        if (reader is not SnapshotDumpReader snapshot || snapshot.RecordedDocuments(ns.Source) is not { } recorded) return;
        var delivered = result.Documents + result.Failures;
        if (delivered != recorded)
            throw new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{ns.TargetNamespace}: {delivered:N0} {(result.IsTimeseries ? "buckets" : "documents")} were restored from {ns.SourceNamespace}, but the snapshot's manifest records {recorded:N0}.",
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
}
