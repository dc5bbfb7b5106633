using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>
/// Keeps a lease alive while long work runs: renews it every third of its duration. If a renewal finds the lease
/// taken over (or cannot renew before it would run out), the work is cancelled through <see cref="Token"/>, since
/// another run may already be writing, and <see cref="LostBecause"/> says why.
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly IRepositoryLease _lease;
    private readonly IEngineObserver _observer;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseKeeper(IRepositoryLease lease, TimeSpan duration, IEngineObserver observer, CancellationToken workToken)
    {
        _lease = lease;
        _observer = observer;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(workToken);
        _loop = Task.Run(() => RenewUntilStoppedAsync(duration / 3));
    }

    /// <summary>Cancelled when the work is cancelled, or when the lease is lost.</summary>
    public CancellationToken Token => _lost.Token;

    public MongoBackupException? LostBecause { get; private set; }

    private async Task RenewUntilStoppedAsync(TimeSpan every)
    {
        while (true)
        {
            try { await Task.Delay(every, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try
            {
                await _lease.RenewAsync(_stop.Token).ConfigureAwait(false);
                _observer.Verbose($"Renewed the repository lease of {_lease.HolderId} until {_lease.ExpiresAt:u}.");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LostBecause = e as MongoBackupException ?? new MongoBackupException(ErrorIds.LeaseLost,
                    $"The repository lease of {_lease.HolderId} could not be renewed ({e.Message}); the run stopped so that it never writes without the lease.", e);
                await _lost.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }
}
