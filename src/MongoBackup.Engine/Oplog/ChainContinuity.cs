using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Whether a replica set's oplog continues the chain a slice would extend. A chain is found by replica set name
/// (<see cref="SliceChainEnd"/>), and two replica sets may share one (rs0 is the default of many deployments): when the
/// oplog reaches back before the chain's end, the entry the chain ends at (a full snapshot's consistency point or a
/// slice's last entry, each an entry of its source's oplog, with its wall time to the millisecond) must be in it, or the
/// slice would hold another set's writes (or writes after a rollback past that entry) and a point-in-time restore of
/// the chain would replay them. Timestamps alone can meet (two idle sets each write (second, 1)); the wall time tells them apart.
/// </summary>
public static class ChainContinuity
{
    /// <summary>Refuses a slice from <paramref name="chainEnd"/> when the oplog should hold that entry and does not.</summary>
    /// <param name="oplog">The source's oplog.</param>
    /// <param name="chainEnd">Where the chain ends.</param>
    /// <param name="gap">The span the oplog rolled past after <paramref name="chainEnd"/>, if any: then the entry is rightly gone.</param>
    /// <param name="topology">The source.</param>
    /// <param name="catalog">The command's catalog: the snapshot the chain ends with records the entry's wall time.</param>
    /// <param name="ct">Cancels the reads.</param>
    /// <exception cref="MongoBackupException">NoBaseSnapshot: the oplog does not continue the chain.</exception>
    public static async Task RequireAsync(OplogSource oplog, OplogTimestamp chainEnd, OplogGap? gap, ServerTopology topology, SnapshotCatalog catalog,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(oplog);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(catalog);
        if (gap is not null) return;
        var entry = await oplog.EntryAtAsync(chainEnd, ct);
        var recorded = (await catalog.CompleteAsync(ct)).Where(SliceChainEnd.ChainOf(topology))
            .Select(s => s.ConsistentAt)
            .FirstOrDefault(point => point is not null && point.Timestamp == chainEnd);
        if (entry is not null && (recorded is null || IsRecordedEntry(entry, recorded))) return;
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            $"The oplog of replica set '{topology.ReplicaSetName}' ({string.Join(", ", topology.Hosts)}) reaches back before the end of the oplog chain " +
            $"of that name in {catalog.Repository.Location}, but does not hold the entry the chain ends at ({chainEnd}, {(recorded ?? new ConsistencyPoint(chainEnd, chainEnd.WallTime)).WallTime:u}): " +
            "it is another replica set of the same name, or it rolled back past that entry. Nothing was written. Back up each replica set into a repository of its own.",
            target: catalog.Repository.Location);
    }

    /// <summary>
    /// Whether <paramref name="held"/>, what an oplog holds at <paramref name="recorded"/>'s timestamp (null: nothing), is the
    /// entry a snapshot recorded there: the same timestamp and wall time. An entry without a wall time (servers before 4.2)
    /// is recorded with its timestamp's second, so only a millisecond wall is compared.
    /// </summary>
    public static bool IsRecordedEntry(ConsistencyPoint? held, ConsistencyPoint recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return held is not null && held.Timestamp == recorded.Timestamp
            && (held.WallTime == recorded.WallTime || held.WallTime == recorded.Timestamp.WallTime);
    }
}
