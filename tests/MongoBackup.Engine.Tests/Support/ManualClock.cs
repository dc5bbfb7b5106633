namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// A clock the test moves by hand, so expiry is tested without waiting. With <see cref="DrivesTimers"/>, its timers
/// (Task.Delay and CancellationTokenSource given this clock) fire when <see cref="Advance"/> reaches them, on the
/// caller's thread; without it they run on real time, as the system clock's do.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private TaskCompletionSource _timersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _ticks = start.UtcTicks;

    /// <summary>Timers wait for <see cref="Advance"/> instead of real time.</summary>
    public bool DrivesTimers { get; init; }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    /// <summary>Timers set and not yet due (only with <see cref="DrivesTimers"/>).</summary>
    public int PendingTimers
    {
        get { lock (_gate) return _timers.Count(t => t.Due is not null); }
    }

    /// <summary>Moves the clock on and fires, in due order, every timer it reaches.</summary>
    public void Advance(TimeSpan by)
    {
        var now = Interlocked.Add(ref _ticks, by.Ticks);
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _timers.Where(t => t.Due <= now).MinBy(t => t.Due);
                if (due is null) return;
                due.Due = due.Period is { } period ? due.Due + period.Ticks : null;
            }
            due.Fire();
        }
    }

    /// <summary>
    /// The hook a test waits on before it moves the clock: completes once a timer is set (due at <paramref name="due"/>
    /// when given), so the code under test has reached its wait (a TimeoutException after 10 s of real time means it
    /// never did).
    /// </summary>
    public async Task WaitForTimerAsync(DateTimeOffset? due = null)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_timers.Any(t => t.Due is not null && (due is null || t.Due == due.Value.UtcTicks))) return;
                changed = _timersChanged.Task;
            }
            await changed.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!DrivesTimers) return base.CreateTimer(callback, state, dueTime, period);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Set(ManualTimer timer, long? due, long? period)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            (timer.Due, timer.Period) = (due, period is { } p ? TimeSpan.FromTicks(p) : null);
            if (!_timers.Contains(timer) && due is not null) _timers.Add(timer);
            if (due is null) _timers.Remove(timer);
            changed = _timersChanged;
            _timersChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public long? Due { get; set; }
        public TimeSpan? Period { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            long? due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow().UtcTicks + dueTime.Ticks;
            long? every = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period.Ticks;
            clock.Set(this, due, every);
            return true;
        }

        public void Dispose() => clock.Set(this, null, null);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
