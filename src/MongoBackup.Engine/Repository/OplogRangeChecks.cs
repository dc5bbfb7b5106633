namespace MongoBackup.Engine.Repository;

/// <summary>
/// Whether a manifest's oplog range holds together before its oplog file is read. A full snapshot saves the entries
/// from OplogStart (included when it is the first entry of a transaction open at the start; excluded when it is the
/// newest entry noted before the listing, and in snapshots older than both) up to OplogEnd and is consistent at
/// OplogEnd; a slice holds the entries after the end it continues
/// (PreviousSliceEnd, or from the oldest one left after a recorded gap), from OplogStart to OplogEnd, and its
/// consistency point is its last entry. The oplog file's own first and last entries are matched by <see cref="OplogFileCheck"/>.
/// </summary>
internal static class OplogRangeChecks
{
    public static void CheckFull(SnapshotManifest manifest, List<string> problems)
    {
        var oplogFiles = manifest.Files.Count(f => f.Kind == ManifestFileKind.Oplog);
        if (!manifest.PointInTimeConsistent)
        {
            if (oplogFiles > 0) problems.Add($"{Name(manifest)} lists an oplog file but does not say the snapshot is point-in-time consistent.");
            return;
        }
        if (oplogFiles != 1 || manifest.ConsistentAt is null || manifest.OplogStart is not { } start || manifest.OplogEnd is not { } end)
        {
            problems.Add($"{Name(manifest)} says the snapshot is point-in-time consistent but lacks its oplog file, range or consistency point.");
            return;
        }
        if (manifest.ConsistentAt.Timestamp != end)
            problems.Add($"{Name(manifest)} is consistent at {manifest.ConsistentAt.Timestamp}, but its saved oplog ends at {end}: they must be the same.");
        if (start > end)
            problems.Add($"{Name(manifest)} records an oplog range from {start} to {end}, which runs backwards.");
        // An empty copy means nothing was written during the backup, so it started where it ended.
        if (manifest.Integrity >= 1 && manifest.OplogEntries == 0 && start != end)
            problems.Add($"{Name(manifest)} records no oplog entries between {start} and {end}, which cannot be.");
    }

    public static void CheckSlice(SnapshotManifest manifest, List<string> problems)
    {
        if (manifest.Files.Count(f => f.Kind == ManifestFileKind.Oplog) != 1 || manifest.Files.Count != 1 || manifest.Namespaces.Count > 0)
            problems.Add($"{Name(manifest)} (an oplog slice) must list exactly one file, its oplog, and no namespaces.");
        if (manifest.OplogEnd is not { } end || manifest.ConsistentAt is null || manifest.PreviousSliceEnd is not { } previous)
        {
            problems.Add($"{Name(manifest)} (an oplog slice) lacks its oplog end, consistency point or the end it continues.");
            return;
        }
        if (manifest.ConsistentAt.Timestamp != end)
            problems.Add($"{Name(manifest)} is consistent at {manifest.ConsistentAt.Timestamp}, but its oplog ends at {end}: they must be the same.");
        if (manifest.PointInTimeConsistent != manifest.Gap is null)
            problems.Add($"{Name(manifest)} {(manifest.Gap is null ? "records no gap but is not" : "records a gap but is")} marked point-in-time consistent.");
        if (manifest.OplogStart is not { } start)
        {
            if (manifest.OplogEntries != 0 || end != previous)
                problems.Add($"{Name(manifest)} records {manifest.OplogEntries:N0} entries without a first one, ending at {end} after {previous}.");
            return;
        }
        if (manifest.OplogEntries <= 0 || start > end)
            problems.Add($"{Name(manifest)} records {manifest.OplogEntries:N0} entries from {start} to {end}, which cannot be.");
        if (manifest.Gap is { } gap)
        {
            if (gap.From != previous || start < gap.To)
                problems.Add($"{Name(manifest)} records a gap from {gap.From} to {gap.To} that does not join the end it continues ({previous}) to its first entry ({start}).");
        }
        else if (start <= previous)
        {
            problems.Add($"{Name(manifest)} starts at {start}, not after the end it continues ({previous}).");
        }
    }

    private static string Name(SnapshotManifest manifest) => ManifestChecks.Name(manifest);
}
