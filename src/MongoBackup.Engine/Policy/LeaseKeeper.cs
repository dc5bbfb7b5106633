using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Policy;

/// <summary>
/// Keeps a lease alive while long work runs: renews it every third of its duration. If a renewal finds the lease
/// taken over, fails, or has not finished when the lease runs out (<see cref="IRepositoryLease.ExpiresAt"/>), the work
/// is cancelled through <see cref="Token"/>, since another run may already be writing, and <see cref="LostBecause"/>
/// says why.
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly IRepositoryLease _lease;
    private readonly IEngineObserver _observer;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Starts renewing at once, in the background, until disposed.</summary>
    /// <param name="lease">The lease the run holds; renewed through <see cref="IRepositoryLease.RenewAsync"/>.</param>
    /// <param name="duration">The lease's duration: it is renewed every third of it.</param>
    /// <param name="observer">Told of each renewal (a verbose line).</param>
    /// <param name="workToken">The run's own token: <see cref="Token"/> is cancelled with it too.</param>
    /// <param name="clock">The clock that times the renewals (tests move one by hand); the system clock when null.</param>
    public LeaseKeeper(IRepositoryLease lease, TimeSpan duration, IEngineObserver observer, CancellationToken workToken, TimeProvider? clock = null)
    {
        _lease = lease;
        _observer = observer;
        _clock = clock ?? TimeProvider.System;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(workToken);
        _loop = Task.Run(() => RenewUntilStoppedAsync(duration / 3));
    }

    /// <summary>Cancelled when the work is cancelled, or when the lease is lost.</summary>
    public CancellationToken Token => _lost.Token;

    /// <summary>
    /// Why the lease was lost (<see cref="ErrorIds.LeaseLost"/>, or the error the renewal gave), once
    /// <see cref="Token"/> was cancelled for it; null while the lease is held, and when only the work was cancelled.
    /// </summary>
    public MongoBackupException? LostBecause { get; private set; }

    private async Task RenewUntilStoppedAsync(TimeSpan every)
    {
        while (true)
        {
            try { await Task.Delay(every, _clock, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            var expiresAt = _lease.ExpiresAt;
            // A renewal still under way when the lease runs out is too late: another run may hold it by then.
            using var expiry = new CancellationTokenSource(Max(expiresAt - _clock.GetUtcNow(), TimeSpan.Zero), _clock);
            using var renewal = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, expiry.Token);
            try
            {
                await _lease.RenewAsync(renewal.Token).ConfigureAwait(false);
                _observer.Verbose($"Renewed the repository lease of {_lease.HolderId} until {_lease.ExpiresAt:u}.");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LostBecause = e as MongoBackupException ?? new MongoBackupException(ErrorIds.LeaseLost, expiry.IsCancellationRequested
                    ? $"The repository lease of {_lease.HolderId} ran out at {expiresAt:u} before it could be renewed; the run stopped so that it never writes without the lease."
                    : $"The repository lease of {_lease.HolderId} could not be renewed ({e.Message}); the run stopped so that it never writes without the lease.", e);
                await _lost.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Stops renewing (a renewal under way is cancelled) and waits for that; the lease itself is not released.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }
}
