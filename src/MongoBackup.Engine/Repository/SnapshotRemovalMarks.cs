namespace MongoBackup.Engine.Repository;

/// <summary>
/// The remover's side of <see cref="SnapshotReadLease"/>: before deleting a snapshot it leaves a mark
/// (.mongobackup-removing-&lt;token&gt;), then looks for live readers. A reader marks first and looks for removals
/// second, so whichever looks last sees the other: a removal never starts under a reader that already began.
/// </summary>
public static class SnapshotRemovalMarks
{
    /// <summary>The start of a removal mark's name in its snapshot (".mongobackup-removing-TOKEN"), holding a <see cref="LeaseRecord"/> as JSON.</summary>
    public const string MarkPrefix = ".mongobackup-removing-";

    /// <summary>A removal mark outlives a crashed remover only this long.</summary>
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    /// <summary>Leaves the removal mark on each snapshot; returns its name, for <see cref="ClearAsync"/>.</summary>
    public static async Task<string> MarkAsync(ISnapshotMarks marks, IEnumerable<string> ids, string holder, TimeProvider clock, CancellationToken ct)
    {
        var record = new LeaseRecord(holder, Guid.NewGuid().ToString("N"), clock.GetUtcNow() + Duration);
        var name = MarkPrefix + record.Token;
        foreach (var id in ids) await marks.WriteMarkAsync(id, name, record.Serialize(), ct).ConfigureAwait(false);
        return name;
    }

    /// <summary>Removes the removal mark <paramref name="name"/> from each snapshot in <paramref name="ids"/> (not cancellable: a stopped removal must not leave its marks).</summary>
    public static async Task ClearAsync(ISnapshotMarks marks, IEnumerable<string> ids, string name)
    {
        foreach (var id in ids) await marks.DeleteMarkAsync(id, name, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The live readers of a snapshot (expired marks, left by readers that crashed, do not count).</summary>
    public static Task<IReadOnlyList<LeaseRecord>> LiveReadersAsync(ISnapshotMarks marks, string id, TimeProvider clock, CancellationToken ct) =>
        LiveAsync(marks, id, SnapshotReadLease.MarkPrefix, clock, ct);

    /// <summary>
    /// The writers of a snapshot that may still be writing it: a backup, slice or copy (a crashed writer's expired mark does not
    /// count, nor one whose process on this machine is gone), as <see cref="SnapshotWriters"/> judges them.
    /// </summary>
    public static Task<IReadOnlyList<WriterState>> LiveWritersAsync(ISnapshotMarks marks, string id, TimeProvider clock, CancellationToken ct) =>
        SnapshotWriters.LiveAsync(marks, id, clock, ct);

    /// <summary>A live removal of the snapshot, or null.</summary>
    public static async Task<LeaseRecord?> LiveRemovalAsync(ISnapshotMarks marks, string id, TimeProvider clock, CancellationToken ct) =>
        (await LiveAsync(marks, id, MarkPrefix, clock, ct).ConfigureAwait(false)).FirstOrDefault();

    private static async Task<IReadOnlyList<LeaseRecord>> LiveAsync(ISnapshotMarks marks, string id, string prefix, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return (await marks.ReadMarksAsync(id, prefix, ct).ConfigureAwait(false))
            .Select(m => LeaseRecord.TryParse(m.Content))
            .OfType<LeaseRecord>()
            .Where(r => r.IsLive(now))
            .ToList();
    }
}
