using MongoBackup.Engine.Model;
using MongoBackup.Engine.Restore;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Phase 4: oplog replay in this process. PointInTimeRestoreRunner restores the workload's snapshot into a renamed
/// database and replays its slice up to the slice's end; the restored collection must equal the source byte for
/// byte (<see cref="ReplayWorkload.CheckAsync"/>). documents/s here means oplog entries/s.
/// </summary>
public sealed class ReplayPhase(BenchContext context)
{
    private const string TargetDatabase = "replaydst";

    public async Task<PhaseResult> RunAsync(ReplayWorkload workload, CancellationToken ct)
    {
        var observer = new CollectingObserver();
        var meter = PhaseMeter.Start(context.Server);
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = workload.Repository,
            Limit = OplogLimit.AtClusterTime(workload.End),
            Restore = new RestoreRequest
            {
                Connection = context.Connection, SourcePath = "", Drop = true,
                Map = new NamespaceMap().AddDatabaseRename(ReplayWorkload.SourceDatabase, TargetDatabase),
            },
        }, ct);
        var usage = meter.Stop();
        observer.ThrowIfAnyFailed("The point-in-time restore");
        if (!outcome.Restore.Succeeded)
            throw new InvalidOperationException($"The point-in-time restore did not succeed: {outcome.Restore.OplogError ?? "a namespace failed"}.");
        await workload.CheckAsync(context.Client, TargetDatabase, "the in-process point-in-time restore", ct);
        await context.Client.DropDatabaseAsync(TargetDatabase, ct);

        return PhaseResult.From("replay", "gzip", outcome.SliceEntriesApplied, workload.SliceStoredBytes, workload.SliceStoredBytes, usage) with
        {
            Profile = new Dictionary<string, double>
            {
                ["oplogEntriesWritten"] = workload.OperationsWritten,
                ["sliceEntries"] = workload.Slice.OplogEntries,
                ["entriesPerSecond"] = usage.Elapsed.TotalSeconds > 0 ? outcome.SliceEntriesApplied / usage.Elapsed.TotalSeconds : 0,
            },
        };
    }
}
