using MongoBackup.Engine.Storage;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// The object-store lease when a store's answer goes missing: the write happened, but the lease never learnt the new
/// ETag (a request cancelled in flight, or an SDK retry refused by its own first attempt). The lease must still
/// recognise its own object by its token, and never mistake a successor's for it.
/// </summary>
public sealed class ConditionalObjectLeaseTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-03-01T02:00:00Z"));

    [Fact]
    public async Task An_acquire_whose_answer_was_lost_still_gets_the_lease_it_wrote()
    {
        var store = new MemoryObject { LoseNextAnswer = true };

        var attempt = await ConditionalObjectLease.TryAcquireAsync(store, "run", Minute, _clock, CancellationToken.None);

        Assert.True(attempt.Acquired, $"refused by {attempt.HeldBy}");
        await attempt.Lease!.RenewAsync(CancellationToken.None);
        await attempt.Lease.ReleaseAsync(CancellationToken.None);
        Assert.True((await ConditionalObjectLease.TryAcquireAsync(store, "next", Minute, _clock, CancellationToken.None)).Acquired);
    }

    [Fact]
    public async Task A_renewal_cancelled_after_the_store_applied_it_leaves_a_lease_that_still_renews_and_releases()
    {
        var store = new MemoryObject();
        var lease = (await ConditionalObjectLease.TryAcquireAsync(store, "run", Minute, _clock, CancellationToken.None)).Lease!;
        _clock.Advance(TimeSpan.FromSeconds(20));
        store.CancelAfterNextWrite = true;
        await Assert.ThrowsAsync<OperationCanceledException>(() => lease.RenewAsync(CancellationToken.None));

        _clock.Advance(TimeSpan.FromSeconds(20));
        await lease.RenewAsync(CancellationToken.None);
        Assert.Equal(_clock.GetUtcNow() + Minute, lease.ExpiresAt);

        store.CancelAfterNextWrite = true;
        await Assert.ThrowsAsync<OperationCanceledException>(() => lease.RenewAsync(CancellationToken.None));
        await lease.ReleaseAsync(CancellationToken.None);
        var next = await ConditionalObjectLease.TryAcquireAsync(store, "next", Minute, _clock, CancellationToken.None);
        Assert.True(next.Acquired, $"refused by {next.HeldBy} until {next.HeldUntil}");
    }

    [Fact]
    public async Task A_successors_lease_is_never_taken_for_ours_even_when_our_etag_is_stale()
    {
        var store = new MemoryObject();
        var stalled = (await ConditionalObjectLease.TryAcquireAsync(store, "stalled", Minute, _clock, CancellationToken.None)).Lease!;
        _clock.Advance(TimeSpan.FromMinutes(2));
        var successor = (await ConditionalObjectLease.TryAcquireAsync(store, "successor", Minute, _clock, CancellationToken.None)).Lease!;

        var lost = await Assert.ThrowsAsync<MongoBackupException>(() => stalled.RenewAsync(CancellationToken.None));
        await stalled.ReleaseAsync(CancellationToken.None);

        Assert.Equal(ErrorIds.LeaseLost, lost.ErrorId);
        Assert.Equal("successor", (await ConditionalObjectLease.TryAcquireAsync(store, "third", Minute, _clock, CancellationToken.None)).HeldBy);
        await successor.ReleaseAsync(CancellationToken.None);
    }

    /// <summary>One object with ETags, in memory; can apply a write and then report it refused or cancelled, as a lost answer looks.</summary>
    private sealed class MemoryObject : IConditionalObjectStore
    {
        private StoredObject? _current;
        private int _version;

        public bool LoseNextAnswer { get; set; }

        /// <summary>The next write is applied, then the call fails as a request cancelled in flight does.</summary>
        public bool CancelAfterNextWrite { get; set; }

        public string DisplayName => "memory://lease";

        public Task<string?> TryCreateAsync(string content, CancellationToken ct) => Task.FromResult(_current is null ? Write(content) : null);

        public Task<StoredObject?> ReadAsync(CancellationToken ct) => Task.FromResult(_current);

        public Task<string?> TryReplaceAsync(string content, string etag, CancellationToken ct) =>
            Task.FromResult(_current?.ETag == etag ? Write(content) : null);

        private string? Write(string content)
        {
            _current = new StoredObject(content, $"\"v{++_version}\"");
            if (CancelAfterNextWrite)
            {
                CancelAfterNextWrite = false;
                throw new OperationCanceledException("the answer never came");
            }
            if (!LoseNextAnswer) return _current.ETag;
            LoseNextAnswer = false;
            return null;
        }
    }
}
