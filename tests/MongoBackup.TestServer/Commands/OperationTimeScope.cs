using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The operationTime of the command being run. A replica-set member answers a command that wrote with the optime of
/// the client's last write and any other with its last applied optime (computeOperationTime in
/// service_entry_point_common.cpp); a mongos answers with the latest operationTime of the shards the command reached
/// (OperationTimeTracker, s/operation_time_tracker.cpp). So a client that records a write's operationTime learns that
/// write's own time, not the time of whatever another client wrote meanwhile.
/// </summary>
/// <remarks>
/// Scopes nest: a mongos runs its members' commands in process on the same thread (<see cref="Sharding.ClusterMember"/>),
/// each under its own scope, and then observes the member's reply into the router's.
/// </remarks>
internal sealed class OperationTimeScope : IDisposable
{
    private static readonly AsyncLocal<OperationTimeScope?> CurrentScope = new();
    private readonly OperationTimeScope? _outer;
    private readonly object _sync = new();
    private BsonTimestamp? _latest;

    private OperationTimeScope(OperationTimeScope? outer) => _outer = outer;

    /// <summary>Starts the scope of one command on this thread (and the tasks it starts).</summary>
    public static OperationTimeScope Begin()
    {
        var scope = new OperationTimeScope(CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Records a timestamp the current command wrote (or, on a mongos, a member's operationTime); no-op outside a command.</summary>
    public static void Observe(BsonTimestamp ts) => CurrentScope.Value?.Advance(ts);

    /// <summary>The latest timestamp observed, or null when the command wrote nothing.</summary>
    public BsonTimestamp? Latest
    {
        get { lock (_sync) return _latest; }
    }

    public void Dispose() => CurrentScope.Value = _outer;

    private void Advance(BsonTimestamp ts)
    {
        lock (_sync)
            if (_latest == null || ts > _latest) _latest = ts;
    }
}
