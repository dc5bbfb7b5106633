using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The chunk migration in progress, if any (a shard donates one chunk at a time: SERVER-62296 keeps at most one
/// config.migrationCoordinators document), and the hold tests put on migrations so one stays running.
/// </summary>
internal sealed class MigrationGate
{
    private readonly object _sync = new();
    private MigrationHold? _hold;
    private BsonDocument? _running;

    /// <summary>A hold: migrations started from now on stop after their start until it is released.</summary>
    public MigrationHold Hold()
    {
        lock (_sync)
        {
            if (_hold is { IsReleased: false }) throw new InvalidOperationException("migrations are already held");
            return _hold = new MigrationHold();
        }
    }

    /// <summary>Marks a migration started; ConflictingOperationInProgress (117) when one already runs.</summary>
    public void Begin(BsonDocument coordinator)
    {
        lock (_sync)
        {
            if (_running != null)
                throw new CommandFailure(117, "ConflictingOperationInProgress",
                    $"Unable to start new balancer operation because a migration of {_running["nss"]} is already in progress");
            _running = coordinator;
        }
    }

    /// <summary>Waits while a hold is on (called outside the router's lock, so other commands run meanwhile).</summary>
    public void WaitIfHeld()
    {
        MigrationHold? hold;
        lock (_sync) hold = _hold;
        hold?.Park();
    }

    public void End()
    {
        lock (_sync) _running = null;
    }
}

/// <summary>
/// A hold on chunk migrations, for tests (see <see cref="ShardedCluster.HoldMigrations"/>): a moveChunk started while it is
/// on writes its start (the donor's config.migrationCoordinators document) and then waits, so the migration is seen
/// running, until <see cref="OperationHold.Release"/> or <see cref="OperationHold.Dispose"/>.
/// </summary>
public sealed class MigrationHold : OperationHold;

/// <summary>A test's hold on an operation of the cluster: the operation parks at a set point until released.</summary>
public abstract class OperationHold : IDisposable
{
    private readonly ManualResetEventSlim _running = new();
    private readonly ManualResetEventSlim _released = new();

    internal bool IsReleased => _released.IsSet;

    /// <summary>Waits until an operation has reached the hold and waits there; false when none did within <paramref name="timeout"/>.</summary>
    public bool WaitUntilRunning(TimeSpan timeout) => _running.Wait(timeout);

    /// <summary>Lets held operations (and later ones) go on.</summary>
    public void Release() => _released.Set();

    public void Dispose() => Release();

    internal void Park()
    {
        _running.Set();
        _released.Wait();
    }
}
