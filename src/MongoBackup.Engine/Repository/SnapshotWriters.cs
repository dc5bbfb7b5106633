namespace MongoBackup.Engine.Repository;

/// <summary>One writer mark of a snapshot, judged: whether the run that left it may still be writing, and why.</summary>
/// <param name="Mark">The mark as read.</param>
/// <param name="MayBeWriting">True while the run may still be writing: nothing of the snapshot may be removed then.</param>
/// <param name="Why">Why it may still be writing, or how it is known to be gone, as a clause of a sentence.</param>
public sealed record WriterState(LeaseRecord Mark, bool MayBeWriting, string Why)
{
    /// <summary>What a refused removal says of this writer (the one wording of Remove-MongoSnapshot, its -WhatIf and retention).</summary>
    public string Refusal(string snapshotId) =>
        $"Snapshot {snapshotId} is still being written by {Mark.Holder}, whose writer mark runs until {Mark.ExpiresAt:u} ({Why}).";
}

/// <summary>
/// The one decision of whether a snapshot without a manifest is still being written, made from its writer marks
/// (<see cref="SnapshotReadLease.WriterMarkPrefix"/>), for Get-MongoSnapshot's InProgress or Incomplete, Remove-MongoSnapshot
/// and its -WhatIf, forced copies and retention alike. A writer is known to be gone when its mark lapsed (it renews it every
/// third of its life while it runs); before that, only when the mark records a process of this machine, in this pid scope,
/// that no longer runs or whose pid now belongs to a process started at another time (<see cref="WriterProcess.Judge"/>).
/// A writer on another host, in another container, or whose mark records no process is gone only once its mark lapsed.
/// </summary>
public static class SnapshotWriters
{
    /// <summary>Judges one writer mark at <paramref name="now"/>.</summary>
    public static WriterState Judge(LeaseRecord mark, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(mark);
        if (!mark.IsLive(now)) return new WriterState(mark, false, $"its writer mark ran out at {mark.ExpiresAt:u}, so the run that wrote it stopped");
        if (mark.Process is not { } process)
            return new WriterState(mark, true, "the mark names no process to look for, so only the lapse of its mark tells that it stopped");
        return WriterProcess.Judge(process) switch
        {
            WriterProcess.Presence.Exited => new WriterState(mark, false,
                $"its process {process.Pid} on {process.Host}, this machine, no longer runs, so the run that wrote it stopped"),
            WriterProcess.Presence.Replaced => new WriterState(mark, false,
                $"pid {process.Pid} on {process.Host}, this machine, now belongs to another process, so the run that wrote it stopped"),
            WriterProcess.Presence.Running => new WriterState(mark, true, $"its process {process.Pid} still runs on {process.Host}, this machine"),
            _ => new WriterState(mark, true, string.Equals(process.Host, WriterProcess.Current.Host, StringComparison.OrdinalIgnoreCase)
                ? $"its process {process.Pid} cannot be looked at from here (another container or boot), so only the lapse of its mark tells that it stopped"
                : $"it runs on {process.Host}, another host, so only the lapse of its mark tells that it stopped"),
        };
    }

    /// <summary>Every writer mark of <paramref name="id"/>, judged (a mark that cannot be read is left out, as a lapsed one).</summary>
    public static async Task<IReadOnlyList<WriterState>> JudgeAsync(ISnapshotMarks marks, string id, TimeProvider clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(marks);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        return (await marks.ReadMarksAsync(id, SnapshotReadLease.WriterMarkPrefix, ct).ConfigureAwait(false))
            .Select(m => LeaseRecord.TryParse(m.Content))
            .OfType<LeaseRecord>()
            .Select(r => Judge(r, now))
            .ToList();
    }

    /// <summary>The writers of <paramref name="id"/> that may still be writing it; empty when every one is gone (or none left a mark).</summary>
    public static async Task<IReadOnlyList<WriterState>> LiveAsync(ISnapshotMarks marks, string id, TimeProvider clock, CancellationToken ct) =>
        (await JudgeAsync(marks, id, clock, ct).ConfigureAwait(false)).Where(w => w.MayBeWriting).ToList();

    /// <summary>
    /// Why a snapshot without a manifest whose writers are all gone (<paramref name="judged"/>, from <see cref="JudgeAsync"/>)
    /// is abandoned, as a clause; null when one of them may still be writing it.
    /// </summary>
    public static string? Abandoned(IReadOnlyList<WriterState> judged)
    {
        ArgumentNullException.ThrowIfNull(judged);
        if (judged.Any(w => w.MayBeWriting)) return null;
        return judged.Count == 0
            ? "no writer mark is left in it, so no run is writing it"
            : string.Join("; ", judged.Select(w => $"{w.Mark.Holder}: {w.Why}").Distinct(StringComparer.Ordinal));
    }
}
