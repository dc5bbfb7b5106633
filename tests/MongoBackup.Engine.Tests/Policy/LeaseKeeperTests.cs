using System.Threading.Channels;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Policy;

/// <summary>
/// The policy run's lease keeper, on a clock moved by hand: it renews a third of the way through the lease, stops when
/// disposed, and turns a lost lease into a cancelled run with the reason a user sees (LeaseLost).
/// </summary>
public sealed class LeaseKeeperTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Third = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-03-01T02:00:00Z")) { DrivesTimers = true };
    private readonly RecordingObserver _observer = new();

    [Fact]
    public async Task It_renews_every_third_of_the_lease_long_before_it_runs_out()
    {
        var lease = new HandLease(_clock);
        await using var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);

        await _clock.WaitForTimerAsync(_clock.GetUtcNow() + Third);
        _clock.Advance(Third - TimeSpan.FromTicks(1));
        Assert.Equal(1, _clock.PendingTimers); // not yet due: nothing renewed
        Assert.Equal(0, lease.Renewals);
        var firstExpiry = lease.ExpiresAt;
        _clock.Advance(TimeSpan.FromTicks(1));
        var renewedAt = await lease.Renewed.ReadAsync().AsTask().WaitAsync(Wait);

        Assert.Equal(firstExpiry - 2 * Third, renewedAt); // twenty minutes before it would have run out
        Assert.Equal(renewedAt + Duration, lease.ExpiresAt);
        await _clock.WaitForTimerAsync(renewedAt + Third);
        _clock.Advance(Third);
        Assert.Equal(renewedAt + Third, await lease.Renewed.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Contains(_observer.Verboses, v => v.StartsWith("Renewed the repository lease of host-a/run-1 until", StringComparison.Ordinal));
        Assert.False(keeper.Token.IsCancellationRequested);
        Assert.Null(keeper.LostBecause);
    }

    [Fact]
    public async Task Disposing_it_stops_the_renewals_and_is_not_a_lost_lease()
    {
        var lease = new HandLease(_clock);
        var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);
        var token = keeper.Token;
        await _clock.WaitForTimerAsync();

        await keeper.DisposeAsync().AsTask().WaitAsync(Wait);
        _clock.Advance(TimeSpan.FromHours(5));

        Assert.Equal(0, _clock.PendingTimers);
        Assert.Equal(0, lease.Renewals);
        Assert.False(token.IsCancellationRequested);
        Assert.Null(keeper.LostBecause);
    }

    [Fact]
    public async Task Disposing_it_during_a_renewal_cancels_that_renewal()
    {
        var lease = new HandLease(_clock) { Hangs = true };
        var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);
        await _clock.WaitForTimerAsync();
        _clock.Advance(Third);
        await lease.Entered.ReadAsync().AsTask().WaitAsync(Wait);

        await keeper.DisposeAsync().AsTask().WaitAsync(Wait);

        Assert.Null(keeper.LostBecause);
    }

    [Fact]
    public async Task A_lease_taken_over_cancels_the_work_with_the_leases_own_error()
    {
        var takenOver = new MongoBackupException(ErrorIds.LeaseLost, "The repository lease was taken over by host-b/run-9.");
        var lease = new HandLease(_clock) { Failure = takenOver };
        await using var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);

        await _clock.WaitForTimerAsync();
        _clock.Advance(Third);

        await WaitCancelledAsync(keeper.Token);
        Assert.Same(takenOver, keeper.LostBecause);
    }

    [Fact]
    public async Task A_renewal_that_fails_otherwise_is_reported_as_LeaseLost_naming_the_holder_and_the_cause()
    {
        var lease = new HandLease(_clock) { Failure = new IOException("the share went away") };
        await using var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);

        await _clock.WaitForTimerAsync();
        _clock.Advance(Third);

        await WaitCancelledAsync(keeper.Token);
        Assert.Equal(ErrorIds.LeaseLost, keeper.LostBecause!.ErrorId);
        Assert.Equal("The repository lease of host-a/run-1 could not be renewed (the share went away); the run stopped so that it never writes without the lease.",
            keeper.LostBecause.Message);
    }

    [Fact]
    public async Task A_renewal_still_hanging_when_the_lease_runs_out_loses_it()
    {
        var lease = new HandLease(_clock) { Hangs = true };
        await using var keeper = new LeaseKeeper(lease, Duration, _observer, CancellationToken.None, _clock);
        var expiresAt = lease.ExpiresAt;
        await _clock.WaitForTimerAsync();
        _clock.Advance(Third);
        await lease.Entered.ReadAsync().AsTask().WaitAsync(Wait);
        await _clock.WaitForTimerAsync(expiresAt);

        _clock.Advance(2 * Third - TimeSpan.FromTicks(1));
        Assert.False(keeper.Token.IsCancellationRequested);
        _clock.Advance(TimeSpan.FromTicks(1));

        await WaitCancelledAsync(keeper.Token);
        Assert.Equal(ErrorIds.LeaseLost, keeper.LostBecause!.ErrorId);
        Assert.Equal($"The repository lease of host-a/run-1 ran out at {expiresAt:u} before it could be renewed; the run stopped so that it never writes without the lease.",
            keeper.LostBecause.Message);
    }

    [Fact]
    public async Task Cancelling_the_work_cancels_its_token_without_a_lost_lease()
    {
        using var work = new CancellationTokenSource();
        await using var keeper = new LeaseKeeper(new HandLease(_clock), Duration, _observer, work.Token, _clock);

        await work.CancelAsync();

        Assert.True(keeper.Token.IsCancellationRequested);
        Assert.Null(keeper.LostBecause);
    }

    private static Task WaitCancelledAsync(CancellationToken token) =>
        Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Wait);

    /// <summary>A lease renewed by hand: it reports each renewal, or fails, or hangs until cancelled.</summary>
    private sealed class HandLease(TimeProvider clock) : IRepositoryLease
    {
        private readonly Channel<DateTimeOffset> _renewed = Channel.CreateUnbounded<DateTimeOffset>();
        private readonly Channel<bool> _entered = Channel.CreateUnbounded<bool>();

        public string HolderId => "host-a/run-1";
        public DateTimeOffset ExpiresAt { get; private set; } = clock.GetUtcNow() + Duration;
        public Exception? Failure { get; init; }
        public bool Hangs { get; init; }
        public int Renewals { get; private set; }
        public ChannelReader<DateTimeOffset> Renewed => _renewed.Reader;
        public ChannelReader<bool> Entered => _entered.Reader;

        public async Task RenewAsync(CancellationToken ct)
        {
            _entered.Writer.TryWrite(true);
            if (Hangs) await Task.Delay(Timeout.Infinite, ct);
            if (Failure is not null) throw Failure;
            var now = clock.GetUtcNow();
            ExpiresAt = now + Duration;
            Renewals++;
            _renewed.Writer.TryWrite(now);
        }

        public Task ReleaseAsync(CancellationToken ct) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
