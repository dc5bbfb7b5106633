using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>
/// Whether a run owes a full snapshot or an oplog slice. A full is due when no complete full of this source exists,
/// or the newest one started at least FullEvery ago (start time, so a long backup does not push the schedule later).
/// Otherwise a replica set gets a slice; a standalone, which has no oplog, gets nothing.
/// </summary>
public sealed record PolicyDecision(PolicyAction Action, string Reason)
{
    public static async Task<PolicyDecision> DecideAsync(
        ISnapshotRepository repository, ServerTopology topology, TimeSpan fullEvery, DateTimeOffset now, CancellationToken ct)
    {
        var newestFull = (await SnapshotCatalog.LoadCompleteAsync(repository, ct).ConfigureAwait(false))
            .Where(s => s.Kind == SnapshotKind.Full && s.Source.ReplicaSetName == topology.ReplicaSetName)
            .MaxBy(s => s.StartTime);
        if (newestFull is null)
            return new PolicyDecision(PolicyAction.Full, $"{repository.Location} holds no complete full snapshot of {Describe(topology)}");
        var age = now - newestFull.StartTime;
        if (age >= fullEvery)
            return new PolicyDecision(PolicyAction.Full, $"the newest full snapshot, {newestFull.Id}, started {Round(age)} ago (full every {fullEvery})");
        var nextFull = newestFull.StartTime + fullEvery;
        return topology.HasOplog
            ? new PolicyDecision(PolicyAction.Slice, $"the next full snapshot is due at {nextFull:u}; until then the oplog is saved in slices")
            : new PolicyDecision(PolicyAction.Nothing, $"the next full snapshot is due at {nextFull:u}, and a standalone server has no oplog to save in between");
    }

    private static string Describe(ServerTopology topology) =>
        topology.ReplicaSetName is { } name ? $"replica set '{name}'" : "this standalone server";

    private static TimeSpan Round(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
}
