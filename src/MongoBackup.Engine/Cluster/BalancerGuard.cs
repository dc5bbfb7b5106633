using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Keeps chunks where they are while a cluster backup runs: the balancer must be off (balancerStatus mode "off"), or
/// with -StopBalancer it is stopped (balancerStop) and started again when this is disposed, whether the backup
/// succeeded or not. A balancer left running would move chunks between the shards' copies: a document could be read
/// on neither shard, or on both.
/// </summary>
internal sealed class BalancerGuard : IAsyncDisposable
{
    private readonly IMongoClient _mongos;
    private readonly IEngineObserver _observer;
    private readonly bool _restart;

    private BalancerGuard(IMongoClient mongos, IEngineObserver observer, bool restart) =>
        (_mongos, _observer, _restart) = (mongos, observer, restart);

    /// <exception cref="MongoBackupException">BalancerRunning when it runs and <paramref name="stop"/> is false.</exception>
    public static async Task<BalancerGuard> TakeAsync(IMongoClient mongos, bool stop, IEngineObserver observer, CancellationToken ct)
    {
        var admin = mongos.GetDatabase("admin");
        var status = await DriverErrors.Translate(() => admin.RunCommandAsync<BsonDocument>(new BsonDocument("balancerStatus", 1), cancellationToken: ct), mongos);
        var mode = status.GetValue("mode", "full").AsString;
        if (mode == "off") return new BalancerGuard(mongos, observer, restart: false);
        if (!stop) throw RunningRefusal(mode);
        // balancerStop returns once a round in progress has ended (config/balancer_configuration.cpp, the manual's sh.stopBalancer()).
        await DriverErrors.Translate(() => admin.RunCommandAsync<BsonDocument>(new BsonDocument("balancerStop", 1), cancellationToken: ct), mongos);
        observer.Verbose("The balancer was stopped for the backup; it is started again when the backup ends.");
        return new BalancerGuard(mongos, observer, restart: true);
    }

    /// <summary>The refusal of a backup while the balancer runs in <paramref name="mode"/> without -StopBalancer.</summary>
    internal static MongoBackupException RunningRefusal(string mode) => new(ErrorIds.BalancerRunning,
        $"The cluster's balancer is running (mode '{mode}'): it would move chunks between shards while they are copied. " +
        "Stop it (sh.stopBalancer()) or give -StopBalancer, which stops it for the backup and starts it again afterwards.");

    /// <summary>Starts the balancer again if this guard stopped it; a failure to do so is a warning that says how.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_restart) return;
        try
        {
            await _mongos.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("balancerStart", 1), cancellationToken: CancellationToken.None);
            _observer.Verbose("The balancer was started again.");
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            _observer.Warning($"The balancer, stopped for the backup, could not be started again: {e.Message} Start it with sh.startBalancer().");
        }
    }
}
