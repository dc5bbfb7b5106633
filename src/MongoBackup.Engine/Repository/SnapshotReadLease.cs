using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A read lease on snapshots: while a restore, a test or a copy reads them, each holds a mark
/// (.mongobackup-reader-&lt;token&gt;, a <see cref="LeaseRecord"/> naming this run and its expiry) that a removal sees
/// and refuses to go past (<see cref="SnapshotRemovalMarks"/>). Renewed every third of its duration while the read
/// runs, removed when it ends; a crashed reader's mark expires, so it never holds a snapshot forever.
/// Taking it follows the remover's order in reverse: mark first, then look for a removal under way (and, after, that
/// the manifest is still there), so of a reader and a remover starting together at least one sees the other.
/// A writer (<see cref="PendingSnapshot"/>) holds the same kind of lease under <see cref="WriterMarkPrefix"/> from its
/// reservation until its commit or abandon (<see cref="AcquireWriterAsync"/>), so an unfinished snapshot that is still
/// being written is never removed under it, while a crashed writer's snapshot becomes removable once its mark expires.
/// </summary>
public sealed class SnapshotReadLease : IAsyncDisposable
{
    /// <summary>The start of a read lease's mark name in its snapshot (".mongobackup-reader-TOKEN"), holding a <see cref="LeaseRecord"/> as JSON.</summary>
    public const string MarkPrefix = ".mongobackup-reader-";
    /// <summary>The start of a writer's mark name in its snapshot (".mongobackup-writer-TOKEN"), holding a <see cref="LeaseRecord"/> as JSON.</summary>
    public const string WriterMarkPrefix = ".mongobackup-writer-";
    /// <summary>How long a read lease lasts before it must be renewed; renewed at a third of it while reading.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(2);

    private readonly ISnapshotMarks _marks;
    private readonly IReadOnlyList<string> _ids;
    private readonly string _name;
    private readonly Action<string> _warning;
    private readonly Action<string> _verbose;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _stop = new();
    private LeaseRecord _record;
    private Task? _renewing;

    private SnapshotReadLease(ISnapshotMarks marks, IReadOnlyList<string> ids, LeaseRecord record, string prefix, Action<string> warning,
        Action<string> verbose, TimeProvider clock, TimeSpan duration)
    {
        _marks = marks;
        _ids = ids;
        _record = record;
        _name = prefix + record.Token;
        _warning = warning;
        _verbose = verbose;
        _clock = clock;
        _duration = duration;
    }

    /// <summary>Who holds it, as a removal refused by it says.</summary>
    public string HolderId => _record.Holder;

    /// <summary>
    /// Whether this lease's own mark is seen on <paramref name="snapshotId"/> in <paramref name="other"/>: then
    /// <paramref name="other"/> is the repository this lease marks, under another name (a folder with a trailing
    /// separator, through a symbolic link or with "/./"), whatever its location string says.
    /// </summary>
    public async Task<bool> IsSeenInAsync(ISnapshotRepository other, string snapshotId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Marks is not { } marks) return false;
        return (await marks.ReadMarksAsync(snapshotId, _name, ct).ConfigureAwait(false)).Any(m => m.Name == _name);
    }

    /// <summary>
    /// Marks the snapshots as read by <paramref name="purpose"/>; refuses (SnapshotNotFound) a snapshot being removed.
    /// A repository that keeps no marks, or refuses to write them (read-only access), gives no lease: the read goes on,
    /// said in a verbose line.
    /// </summary>
    public static async Task<SnapshotReadLease?> AcquireAsync(ISnapshotRepository repository, IReadOnlyCollection<string> snapshotIds, string purpose,
        IEngineObserver observer, CancellationToken ct, TimeProvider? clock = null, TimeSpan? duration = null)
    {
        if (repository.Marks is not { } marks || snapshotIds.Count == 0) return null;
        clock ??= TimeProvider.System;
        var lease = Begin(marks, snapshotIds.Distinct(StringComparer.Ordinal).ToList(), purpose, MarkPrefix, observer.Warning, observer.Verbose, clock, duration);
        var record = lease._record;
        var written = new List<string>();
        try
        {
            foreach (var id in lease._ids)
                if (await marks.WriteMarkAsync(id, lease._name, record.Serialize(), ct).ConfigureAwait(false)) written.Add(id);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException || e is MongoBackupException { ErrorId: ErrorIds.RepositoryAccessDenied or ErrorIds.RepositoryNotWritable })
        {
            await lease.ReleaseMarksAsync().ConfigureAwait(false);
            observer.Verbose($"No read lease on {string.Join(", ", lease._ids)} in {repository.Location} ({e.Message}): a removal meanwhile is not held off.");
            return null;
        }
        try
        {
            foreach (var id in lease._ids)
            {
                if (await SnapshotRemovalMarks.LiveRemovalAsync(marks, id, clock, ct).ConfigureAwait(false) is { } removal)
                    throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                        $"Snapshot {id} in {repository.Location} is being removed by {removal.Holder}; it is not read.", target: id);
                // A removal that finished between reading the manifest and marking it left nothing to read.
                if (!written.Contains(id) || !await HasManifestAsync(marks, id, ct).ConfigureAwait(false))
                    throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                        $"Snapshot {id} was removed from {repository.Location} as its read began; it is not read.", target: id);
            }
        }
        catch
        {
            await lease.ReleaseMarksAsync().ConfigureAwait(false);
            throw;
        }
        lease._renewing = Task.Run(lease.RenewUntilStoppedAsync);
        return lease;
    }

    /// <summary>
    /// Marks <paramref name="snapshotId"/>, just reserved by this writer, as being written by <paramref name="purpose"/>, and
    /// renews the mark until disposed. Null when the repository keeps no marks (no protection then). Throws when a
    /// removal is under way or already took the reservation: the writer must not write into an id being deleted.
    /// </summary>
    /// <exception cref="MongoBackupException">SnapshotNotFound: the reservation is being (or was) removed; the store's translated failures.</exception>
    public static async Task<SnapshotReadLease?> AcquireWriterAsync(ISnapshotRepository repository, string snapshotId, string purpose,
        Action<string> warning, CancellationToken ct, TimeProvider? clock = null, TimeSpan? duration = null)
    {
        if (repository.Marks is not { } marks) return null;
        clock ??= TimeProvider.System;
        var lease = Begin(marks, [snapshotId], purpose, WriterMarkPrefix, warning, warning, clock, duration);
        try
        {
            var written = await marks.WriteMarkAsync(snapshotId, lease._name, lease._record.Serialize(), ct).ConfigureAwait(false);
            if (await SnapshotRemovalMarks.LiveRemovalAsync(marks, snapshotId, clock, ct).ConfigureAwait(false) is { } removal)
                throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                    $"Snapshot {snapshotId} in {repository.Location} was reserved for {purpose} but is being removed by {removal.Holder}; nothing was written into it.",
                    target: snapshotId);
            // A removal that finished between the reservation and the mark took the reservation with it.
            if (!written || (await marks.ReadMarksAsync(snapshotId, SnapshotFolderMarker.FileName, ct).ConfigureAwait(false)).Count == 0)
                throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                    $"Snapshot {snapshotId} was removed from {repository.Location} just after {purpose} reserved it; nothing was written into it.",
                    target: snapshotId);
        }
        catch
        {
            await lease.ReleaseMarksAsync().ConfigureAwait(false);
            throw;
        }
        lease._renewing = Task.Run(lease.RenewUntilStoppedAsync);
        return lease;
    }

    /// <summary>A lease not yet marked anywhere: its record names this run and <paramref name="purpose"/>, live for <paramref name="duration"/> from now.</summary>
    private static SnapshotReadLease Begin(ISnapshotMarks marks, IReadOnlyList<string> ids, string purpose, string prefix, Action<string> warning,
        Action<string> verbose, TimeProvider clock, TimeSpan? duration)
    {
        var span = duration ?? DefaultDuration;
        // The process is recorded so that, once this one is gone, a run on the same machine need not wait for the mark to lapse.
        var record = new LeaseRecord($"{RepositoryLeases.NewHolderId()} ({purpose})", Guid.NewGuid().ToString("N"), clock.GetUtcNow() + span)
            { Process = WriterProcess.Current };
        return new SnapshotReadLease(marks, ids, record, prefix, warning, verbose, clock, span);
    }

    private static async Task<bool> HasManifestAsync(ISnapshotMarks marks, string id, CancellationToken ct) =>
        (await marks.ReadMarksAsync(id, SnapshotManifest.FileName, ct).ConfigureAwait(false)).Any(m => m.Name == SnapshotManifest.FileName);

    private async Task RenewUntilStoppedAsync()
    {
        while (true)
        {
            // Stopping is the normal end of every read: awaited without throwing (issue 19), then checked.
            await Task.Delay(_duration / 3, _clock, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_stop.IsCancellationRequested) return;
            try
            {
                _record = _record with { ExpiresAt = _clock.GetUtcNow() + _duration };
                foreach (var id in _ids) await _marks.WriteMarkAsync(id, _name, _record.Serialize(), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                // The read goes on; only its protection lapses, and the user is told.
                _warning($"The lease mark {_name} on {string.Join(", ", _ids)} could not be renewed ({e.Message}); it expires at {_record.ExpiresAt:u}.");
            }
        }
    }

    private async Task ReleaseMarksAsync()
    {
        foreach (var id in _ids)
        {
            try { await _marks.DeleteMarkAsync(id, _name, CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or MongoBackupException)
            {
                _verbose($"The lease mark {_name} of snapshot {id} could not be removed ({e.Message}); it expires at {_record.ExpiresAt:u}.");
            }
        }
    }

    /// <summary>Stops renewing and removes the lease's marks (not cancellable).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewing is not null) await _renewing.ConfigureAwait(false);
        await ReleaseMarksAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
