using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// Whether a replica set's oplog continues the chain a slice would extend. A chain is found by replica set name and
/// replicaSetId (<see cref="SliceChainEnd.ChainOf"/>), so a set of the same name with another id (rs0 is the default of many
/// deployments) has a chain of its own. Where the set's id or the chain's is not recorded (older snapshots, a user who may
/// not run replSetGetConfig), two sets of one name can still meet in one chain: when the
/// oplog reaches back before the chain's end, the entry the chain ends at (a full snapshot's consistency point or a
/// slice's last entry, each an entry of its source's oplog, with its wall time to the millisecond) must be in it, or the
/// slice would hold another set's writes (or writes after a rollback past that entry) and a point-in-time restore of
/// the chain would replay them. Timestamps alone can meet (two idle sets each write (second, 1)); the wall time tells them apart.
/// A set whose oplog begins after the chain's end holds no such entry to check: there only the set's identity, its
/// settings.replicaSetId recorded in every snapshot (<see cref="SnapshotSource.ReplicaSetId"/>), tells it apart, by keeping it out of the chain.
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
        var chain = SliceChainEnd.ChainIn(await catalog.CompleteAsync(ct), topology);
        var recorded = chain.Select(s => s.ConsistentAt).FirstOrDefault(point => point is not null && point.Timestamp == chainEnd);
        if (gap is null) await RequireEntryAsync(oplog, chainEnd, recorded?.WallTime, topology, catalog.Repository.Location, ct);
    }

    /// <summary>
    /// The same rule for a continuous capture that reconnected after a lost connection: the server it reaches now must be the
    /// set it captured (the same <see cref="ServerTopology.ReplicaSetId"/> when both are known) and, unless the oplog rolled
    /// past, hold the last entry captured (<paramref name="last"/>): the very entry stored, its bytes compared by their SHA-256
    /// (timestamp and wall time alone can meet in another history: a member's clock goes back to the common point on a
    /// rollback, src/mongo/db/repl/rollback_impl.cpp, and the new history's entries may take the same timestamps). An entry
    /// gone or changed means the member rolled back past it (or the address answers for another copy of the set): the capture
    /// stops, naming the slice that holds it.
    /// </summary>
    /// <exception cref="MongoBackupException">NoBaseSnapshot: the oplog reached now does not continue the capture.</exception>
    internal static async Task RequireResumedAsync(OplogSource oplog, StoredEntry last, OplogGap? gap, ServerTopology captured, ServerTopology now,
        string location, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(oplog);
        ArgumentNullException.ThrowIfNull(last);
        ArgumentNullException.ThrowIfNull(captured);
        ArgumentNullException.ThrowIfNull(now);
        var otherName = !string.Equals(captured.ReplicaSetName, now.ReplicaSetName, StringComparison.Ordinal);
        if (otherName || (captured.ReplicaSetId is { } before && now.ReplicaSetId is { } after && !string.Equals(before, after, StringComparison.OrdinalIgnoreCase)))
            throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
                $"The capture of replica set '{captured.ReplicaSetName}' (replicaSetId {captured.ReplicaSetId ?? "unknown"}) reconnected to {string.Join(", ", now.Hosts)}, which answers as " +
                $"replica set '{now.ReplicaSetName}' (replicaSetId {now.ReplicaSetId ?? "unknown"}): another replica set. Nothing of it was written; the slice captured before was kept. " +
                "Point the capture at the set it backs up, or back up the other set into a repository of its own.", target: location);
        if (gap is not null) return;
        if (last.Hash is not { } stored)
        {
            await RequireEntryAsync(oplog, last.Timestamp, last.Point.WallTime, now, location, ct);
            return;
        }
        var held = await oplog.EntryHashAtAsync(last.Timestamp, ct);
        if (held is not null && held.AsSpan().SequenceEqual(stored)) return;
        var slice = last.SliceId is { } id ? $"oplog slice {id}" : "the last oplog slice";
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            $"The capture of replica set '{captured.ReplicaSetName}' reconnected to {string.Join(", ", now.Hosts)}, whose oplog no longer holds the last entry the capture stored, " +
            $"{last.Timestamp} ({last.Point.WallTime:u}) in {slice}: {(held is null ? "no entry has that timestamp now" : "another entry has that timestamp now")}. The member rolled back " +
            $"past it (or the address answers for another copy of the set), so its oplog no longer continues what was captured. {char.ToUpperInvariant(slice[0])}{slice[1..]} was kept with what " +
            "it stored, up to that entry; nothing after it was written. Take a full backup (Backup-MongoDatabase), then start the capture again.", target: location);
    }

    private static async Task RequireEntryAsync(OplogSource oplog, OplogTimestamp chainEnd, DateTimeOffset? recordedWall, ServerTopology topology,
        string location, CancellationToken ct)
    {
        var entry = await oplog.EntryAtAsync(chainEnd, ct);
        if (entry is not null && (recordedWall is not { } wall || IsRecordedEntry(entry, new ConsistencyPoint(chainEnd, wall)))) return;
        throw new MongoBackupException(ErrorIds.NoBaseSnapshot,
            $"The oplog of replica set '{topology.ReplicaSetName}' ({string.Join(", ", topology.Hosts)}) reaches back before the end of the oplog chain " +
            $"of that name in {location}, but does not hold the entry the chain ends at ({chainEnd}, {recordedWall ?? chainEnd.WallTime:u}): " +
            "it is another replica set of the same name, or it rolled back past that entry. Nothing was written. Back up each replica set into a repository of its own.",
            target: location);
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
