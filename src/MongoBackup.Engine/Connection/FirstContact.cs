using MongoDB.Driver;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// A run's first command to a server, which fails as soon as the driver knows it cannot succeed: the driver's server
/// selection waits out its whole timeout (15 s here unless -ConnectTimeout or serverSelectionTimeoutMS say otherwise)
/// even when every seed's first check already failed with a cause that waiting cannot change (connection refused, a
/// host name that does not exist, a peer that is not MongoDB, a TLS handshake refused). A silent peer, a replica set
/// electing a primary, a slow network still get the whole timeout.
/// </summary>
public static class FirstContact
{
    // How often the cluster's view is looked at while the command waits: the driver's own description-changed event is
    // internal in 3.x, and its description is a snapshot that is cheap to read.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="call"/> (given a token it must honour) as <see cref="DriverErrors.Translate{T}"/> does; while no
    /// server has been reached, every known server failing with a definite cause (<see cref="ConnectionDiagnosis.DefinitelyUnreachable"/>)
    /// cancels it and throws ServerUnreachable saying why (<see cref="ConnectionDiagnosis.Explain"/>).
    /// </summary>
    /// <exception cref="MongoBackupException">ServerUnreachable, AuthenticationFailed or an access refusal, as <see cref="DriverErrors.Describe"/> says.</exception>
    public static async Task<T> RunAsync<T>(IMongoClient client, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        if (client.Cluster.Description.Servers.Any(s => s.State == ServerState.Connected))
            return await DriverErrors.Translate(() => call(ct), client);

        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = DriverErrors.Translate(() => call(abandon.Token), client);
        while (true)
        {
            if (await Task.WhenAny(running, Task.Delay(Poll, ct)) == running) return await running;
            ct.ThrowIfCancellationRequested();
            var cluster = client.Cluster.Description;
            if (!ConnectionDiagnosis.DefinitelyUnreachable(cluster)) continue;
            abandon.Cancel();
            try { return await running; }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The abandoned selection's own cancellation: the diagnosis below is the error.
            }
            var servers = string.Join(",", client.Settings.Servers.Select(s => s.ToString()));
            throw new MongoBackupException(ErrorIds.ServerUnreachable, ConnectionDiagnosis.Explain(client),
                cluster.Servers.First().HeartbeatException, servers);
        }
    }
}
