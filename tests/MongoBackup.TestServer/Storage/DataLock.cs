namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Guards all server data. Most commands hold it exclusively, as one big lock would; a plain insert into an existing
/// collection holds it shared (plus that collection's own lock), so inserts into different collections run side by
/// side while catalog changes, reads and everything else still see a quiet server. It also lets an awaitData getMore
/// sleep without the lock until some write happens.
/// </summary>
internal sealed class DataLock
{
    // Recursion: a command run exclusively may call code that takes the exclusive lock again (server setup paths).
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly object _writeSignal = new();
    private long _writeVersion;
    private int _waiters;

    public Scope Exclusive()
    {
        _lock.EnterWriteLock();
        return new Scope(_lock, exclusive: true);
    }

    /// <summary>The exclusive lock if it comes within <paramref name="timeout"/>, else null (the caller skips its work).</summary>
    public Scope? TryExclusive(TimeSpan timeout) =>
        _lock.TryEnterWriteLock(timeout) ? new Scope(_lock, exclusive: true) : null;

    public Scope Shared()
    {
        _lock.EnterReadLock();
        return new Scope(_lock, exclusive: false);
    }

    /// <summary>Counts writes; a waiter compares it before and after sleeping.</summary>
    public long WriteVersion => Interlocked.Read(ref _writeVersion);

    /// <summary>Called after every committed write that readers may await (oplog appends, cursor kills).</summary>
    public void NotifyWrite()
    {
        Interlocked.Increment(ref _writeVersion);
        // Skipping the monitor when nobody waits keeps the per-insert cost near zero.
        if (Volatile.Read(ref _waiters) == 0) return;
        lock (_writeSignal) Monitor.PulseAll(_writeSignal);
    }

    /// <summary>
    /// Called holding the exclusive lock: releases it, sleeps until <see cref="WriteVersion"/> moves past
    /// <paramref name="seenVersion"/> or the timeout passes, then takes the exclusive lock again.
    /// </summary>
    public void WaitForWrite(long seenVersion, TimeSpan timeout)
    {
        if (!_lock.IsWriteLockHeld || _lock.RecursiveWriteCount != 1)
            throw new InvalidOperationException("WaitForWrite needs the data lock held exclusively exactly once");
        _lock.ExitWriteLock();
        try
        {
            lock (_writeSignal)
            {
                Interlocked.Increment(ref _waiters); // a full fence: NotifyWrite sees it, or we see its version
                try
                {
                    var deadline = DateTime.UtcNow + timeout;
                    while (WriteVersion == seenVersion)
                    {
                        var left = deadline - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero) break;
                        Monitor.Wait(_writeSignal, left);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _waiters);
                }
            }
        }
        finally
        {
            _lock.EnterWriteLock();
        }
    }

    public readonly struct Scope : IDisposable
    {
        private readonly ReaderWriterLockSlim _lock;
        private readonly bool _exclusive;

        public Scope(ReaderWriterLockSlim @lock, bool exclusive)
        {
            _lock = @lock;
            _exclusive = exclusive;
        }

        public void Dispose()
        {
            if (_exclusive) _lock.ExitWriteLock();
            else _lock.ExitReadLock();
        }
    }
}
