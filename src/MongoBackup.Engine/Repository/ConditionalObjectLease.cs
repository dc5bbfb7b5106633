using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A lease on a repository (a folder, Azure Blob, S3): the blob &lt;prefix&gt;/.mongobackup-lease holding a
/// <see cref="LeaseRecord"/>, changed only by conditional writes, so the store itself decides every race:
/// acquire creates it only if absent; a live lease refuses; an expired or damaged one is replaced only if unchanged
/// since it was read (of two runs taking it over at once, the store accepts exactly one). Renewal and release replace
/// it only while it still is the one this holder wrote, so a successor's lease is never overwritten. Release writes
/// an already-expired record rather than deleting, because a delete could remove a successor's lease.
/// </summary>
internal sealed class ConditionalObjectLease : IRepositoryLease
{
    /// <summary>The lease object's name below the repository prefix, or the lease file's in a repository folder (JSON, see <see cref="LeaseRecord"/>).</summary>
    public const string ObjectName = ".mongobackup-lease";

    /// <summary>How often acquire goes round when the lease changes between reading it and replacing it.</summary>
    private const int AcquirePasses = 3;

    private readonly IConditionalObjectStore _store;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _clock;
    // The lease keeper renews on a timer while the run may release: one change at a time keeps the ETag in step.
    private readonly SemaphoreSlim _changing = new(1, 1);
    private LeaseRecord _record;
    private string _etag;
    private bool _released;

    private ConditionalObjectLease(IConditionalObjectStore store, TimeSpan duration, TimeProvider clock, LeaseRecord record, string etag)
    {
        _store = store;
        _duration = duration;
        _clock = clock;
        _record = record;
        _etag = etag;
    }

    public string HolderId => _record.Holder;

    public DateTimeOffset ExpiresAt => _record.ExpiresAt;

    public static async Task<LeaseAttempt> TryAcquireAsync(IConditionalObjectStore store, string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        for (var pass = 0; pass < AcquirePasses; pass++)
        {
            ct.ThrowIfCancellationRequested();
            var record = new LeaseRecord(holderId, Guid.NewGuid().ToString("N"), clock.GetUtcNow() + duration);
            var content = record.Serialize();
            if (await WriteOrFindOursAsync(store, record, store.TryCreateAsync(content, ct), ct).ConfigureAwait(false) is { } created)
                return Grant(created);

            var current = await store.ReadAsync(ct).ConfigureAwait(false);
            if (current is null) continue; // it vanished in between (removed by hand): try creating again
            if (LeaseRecord.TryParse(current.Text) is { } held && held.IsLive(clock.GetUtcNow()))
                return LeaseAttempt.Refused(held.Holder, held.ExpiresAt);

            // Expired, released or damaged: replace it, but only if nobody changed it since we read it.
            if (await WriteOrFindOursAsync(store, record, store.TryReplaceAsync(content, current.ETag, ct), ct).ConfigureAwait(false) is { } taken)
                return Grant(taken);

            // Someone else changed it first; when that is a live lease, they won.
            if (await ReadRecordAsync(store, ct).ConfigureAwait(false) is { } winner && winner.IsLive(clock.GetUtcNow()))
                return LeaseAttempt.Refused(winner.Holder, winner.ExpiresAt);
        }
        throw new MongoBackupException(ErrorIds.RepositoryUnavailable,
            $"The repository lease {store.DisplayName} kept changing while it was being taken ({AcquirePasses} attempts); try again.",
            target: store.DisplayName);

        LeaseAttempt Grant(StoredLease granted) =>
            LeaseAttempt.Granted(new ConditionalObjectLease(store, duration, clock, granted.Record, granted.ETag));
    }

    public async Task RenewAsync(CancellationToken ct)
    {
        await _changing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_released)
                throw new InvalidOperationException($"The repository lease {_store.DisplayName} was released; it cannot be renewed.");
            var renewed = _record with { ExpiresAt = _clock.GetUtcNow() + _duration };
            var written = await ReplaceOursAsync(renewed, ct).ConfigureAwait(false);
            if (written is null) throw await LostAsync(ct).ConfigureAwait(false);
            (_record, _etag) = (written.Record, written.ETag);
        }
        finally
        {
            _changing.Release();
        }
    }

    public async Task ReleaseAsync(CancellationToken ct)
    {
        await _changing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_released) return;
            _released = true;
            // Expired by any clock; when the lease was taken over, the ETag no longer matches and the successor's stays.
            var expired = _record with { ExpiresAt = DateTimeOffset.UnixEpoch };
            await ReplaceOursAsync(expired, ct).ConfigureAwait(false);
        }
        finally
        {
            _changing.Release();
        }
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// Runs a conditional write; when the store refuses it, checks whether the object holds exactly what we wrote
    /// anyway (an SDK retry of a write whose answer was lost is refused by its own first attempt), and if so takes it.
    /// </summary>
    private static async Task<StoredLease?> WriteOrFindOursAsync(IConditionalObjectStore store, LeaseRecord record, Task<string?> write, CancellationToken ct)
    {
        if (await write.ConfigureAwait(false) is { } etag) return new StoredLease(record, etag);
        var current = await store.ReadAsync(ct).ConfigureAwait(false);
        return current is not null && LeaseRecord.TryParse(current.Text) == record ? new StoredLease(record, current.ETag) : null;
    }

    /// <summary>
    /// Replaces our lease with <paramref name="next"/> (same token). When the ETag we hold is refused, the object may
    /// still be ours under an ETag we never saw (a renewal cancelled in flight, an answer lost and the write retried):
    /// the token tells, since a successor's lease has its own. Only then is it replaced again, on the ETag now there.
    /// </summary>
    private async Task<StoredLease?> ReplaceOursAsync(LeaseRecord next, CancellationToken ct)
    {
        if (await _store.TryReplaceAsync(next.Serialize(), _etag, ct).ConfigureAwait(false) is { } etag) return new StoredLease(next, etag);
        var current = await _store.ReadAsync(ct).ConfigureAwait(false);
        var held = current is null ? null : LeaseRecord.TryParse(current.Text);
        if (held is null || held.Token != _record.Token) return null;
        if (held == next) return new StoredLease(next, current!.ETag);
        return await _store.TryReplaceAsync(next.Serialize(), current!.ETag, ct).ConfigureAwait(false) is { } again ? new StoredLease(next, again) : null;
    }

    private static async Task<LeaseRecord?> ReadRecordAsync(IConditionalObjectStore store, CancellationToken ct) =>
        await store.ReadAsync(ct).ConfigureAwait(false) is { } current ? LeaseRecord.TryParse(current.Text) : null;

    private async Task<MongoBackupException> LostAsync(CancellationToken ct)
    {
        var current = await ReadRecordAsync(_store, ct).ConfigureAwait(false);
        var what = current is null
            ? "is gone or damaged (changed by someone else)"
            : $"was taken over by {current.Holder} after it expired at {_record.ExpiresAt:u}";
        return new MongoBackupException(ErrorIds.LeaseLost,
            $"The repository lease {_store.DisplayName} held by {_record.Holder} {what}.", target: _store.DisplayName);
    }

    private sealed record StoredLease(LeaseRecord Record, string ETag);
}
