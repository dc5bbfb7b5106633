using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Which oplog slices each full snapshot needs: the unbroken chain of slices after its consistency point, which
/// lets a point-in-time restore reach any moment from that point to the chain's end. Worked out with the same
/// rules as <see cref="RestoreWindows"/>, one full snapshot at a time, so a full's chain does not depend on which
/// other full snapshots exist.
/// </summary>
public sealed class RestoreChains
{
    private readonly Dictionary<string, RestoreWindow> _windowOf = new(StringComparer.Ordinal);

    /// <summary>
    /// Works out every full snapshot's window from <paramref name="snapshots"/> (complete ones only, per source: <see cref="SnapshotSources"/>).
    /// </summary>
    public RestoreChains(IEnumerable<SnapshotManifest> snapshots)
    {
        var complete = snapshots.Where(s => s.Status == SnapshotStatus.Complete).ToList();
        foreach (var source in SnapshotSources.Group(complete).Select(g => g.Snapshots))
        {
            var slices = source.Where(s => s.Kind == SnapshotKind.Oplog).ToList();
            foreach (var full in source.Where(s => s.Kind == SnapshotKind.Full))
            {
                var window = RestoreWindows.Compute(slices.Prepend(full)).FirstOrDefault(w => ReferenceEquals(w.BaseSnapshot, full));
                if (window is not null && (!_windowOf.TryGetValue(full.Id, out var other) || window.To > other.To)) _windowOf[full.Id] = window;
            }
        }
    }

    /// <summary>The restore window a full snapshot opens on its own; null when it is not point-in-time consistent.</summary>
    public RestoreWindow? WindowOf(string fullSnapshotId) => _windowOf.GetValueOrDefault(fullSnapshotId);

    /// <summary>The slices a full snapshot needs to reach the end of its window (empty when it has none).</summary>
    public IReadOnlyList<SnapshotManifest> SlicesOf(string fullSnapshotId) =>
        _windowOf.TryGetValue(fullSnapshotId, out var window) ? window.Slices : [];

    /// <summary>The full snapshots whose windows run through this slice.</summary>
    public IEnumerable<string> FullsNeeding(string sliceId) =>
        _windowOf.Where(w => w.Value.Slices.Any(s => s.Id == sliceId)).Select(w => w.Key);

    /// <summary>The window in words for messages: its UTC span and the full snapshot it is based on.</summary>
    public static string Describe(RestoreWindow window) =>
        $"the restore window {OplogLimit.InUtc(window.FromWallTime)} to {OplogLimit.InUtc(window.ToWallTime)} based on full snapshot {window.BaseSnapshot.Id}";
}
