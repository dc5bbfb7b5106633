using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// The newest oplog entry a replica set can no longer roll back, as a member reports it: hello's lastWrite.majorityOpTime.
/// mongod fills it from its current committed snapshot (ReplicationCoordinatorImpl::_makeIsMasterResponse in
/// src/mongo/db/repl/replication_coordinator_impl.cpp: setLastMajorityWrite(_currentCommittedSnapshot->opTime)), the point
/// majority reads see, at or before replSetGetStatus's optimes.lastCommittedOpTime (the manual's "majority commit point").
/// An entry after it may still be undone by a rollback (a primary that lost its majority), so an oplog slice stores nothing
/// after it. Percona Backup for MongoDB ends each of its oplog chunks the same way (pbm/topo/cluster.go, GetLastWrite with
/// majority: lastWrite.majorityOpTime.ts); mongodump --oplog does not bound its oplog at all (it reads up to the newest entry).
/// hello rather than replSetGetStatus: it needs no privilege, and every member answers it. A majority read concern on the
/// oplog's tailable cursor is not used: the point is what the member reports, checked before each entry is stored.
/// </summary>
internal static class MajorityCommitPoint
{
    /// <summary>
    /// The member's majority commit point, asked of the member the client's read preference selects (whichever member answers,
    /// what it reports as committed is committed on the set); null when it reports none (no committed snapshot yet, as just
    /// after a restart), when nothing can be taken as safe.
    /// </summary>
    public static async Task<OplogTimestamp?> ReadAsync(IMongoClient client, CancellationToken ct)
    {
        var admin = client.GetDatabase("admin");
        var hello = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), client.Settings.ReadPreference, ct);
        return hello.TryGetValue("lastWrite", out var lastWrite) && lastWrite is BsonDocument written
            && written.TryGetValue("majorityOpTime", out var opTime) && opTime is BsonDocument optime
            && optime.TryGetValue("ts", out var ts) && ts is BsonTimestamp { Value: not 0 } timestamp
            ? OplogTimestamp.FromBsonTimestamp(timestamp)
            : null;
    }

    /// <summary>
    /// Asks the member's majority commit point until it covers <paramref name="entry"/> (at or after it), for at most
    /// <paramref name="within"/>: whether it did, and the point last reported (null when none). <paramref name="waiting"/>
    /// is called once, when the first answer falls short, before the first wait (to say what the caller waits for).
    /// </summary>
    public static async Task<(bool Covered, OplogTimestamp? Committed)> WaitToCoverAsync(IMongoClient client, OplogTimestamp entry, TimeSpan within,
        Action waiting, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        var deadline = DateTime.UtcNow + within;
        for (var first = true; ; first = false)
        {
            var committed = await ReadAsync(client, ct);
            if (committed >= entry) return (true, committed);
            if (first) waiting();
            if (DateTime.UtcNow > deadline) return (false, committed);
            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// Where a slice may end: the <paramref name="newest"/> entry, or the <paramref name="committed"/> point when it is behind;
    /// null when the oplog is empty or the member reports no commit point.
    /// </summary>
    public static OplogTimestamp? Bound(OplogTimestamp? newest, OplogTimestamp? committed) =>
        newest is not { } n ? null : committed is not { } c ? null : n <= c ? n : c;
}
