using MongoDB.Bson;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Watches the entries of a snapshot's oplog file go by and says, at the end, whether they are the range its manifest
/// records: as many as it counts, in timestamp order, the last one at its oplog end with the consistency point's wall
/// time, the first one not before a full snapshot's oplog start (a slice's first one at its oplog start). So a manifest whose
/// consistency point, range or count was moved (a full snapshot made to look years older) is caught against the file,
/// whose SHA-256 the manifest also records.
/// </summary>
public sealed class OplogFileCheck(SnapshotManifest manifest, string displayName)
{
    private long _count;
    private OplogTimestamp? _first, _last;
    private ConsistencyPoint? _lastPoint;
    private string? _disorder;

    /// <summary>Takes the next entry (raw BSON).</summary>
    public void Observe(byte[] entry)
    {
        ConsistencyPoint point;
        try { point = ConsistencyPoint.OfEntry(new RawBsonDocument(entry)); }
        catch (Exception e) when (e is KeyNotFoundException or InvalidCastException or FormatException)
        {
            _disorder ??= $"entry {_count + 1} has no oplog timestamp (ts)";
            _count++;
            return;
        }
        if (_last is { } previous && point.Timestamp <= previous)
            _disorder ??= $"entry {_count + 1} ({point.Timestamp}) does not come after the one before it ({previous})";
        _first ??= point.Timestamp;
        _last = point.Timestamp;
        _lastPoint = point;
        _count++;
    }

    /// <summary>What does not match the manifest, as phrases about the file ("it ends at ..."); empty when the entries are what it records.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (_disorder is not null) problems.Add(_disorder);
        var countBound = manifest.Kind == SnapshotKind.Oplog || manifest.Integrity >= 1;
        if (countBound && _count != manifest.OplogEntries)
            problems.Add($"it holds {_count:N0} oplog entries; its manifest records {manifest.OplogEntries:N0}");
        if (_count == 0) return problems;

        // A full snapshot's copy starts at its OplogStart (an open transaction's first entry) or just after it (the
        // newest entry noted before the listing, whose write the dump already holds; older snapshots too).
        if (manifest.Kind == SnapshotKind.Oplog ? _first != manifest.OplogStart : manifest.OplogStart is { } start && _first < start)
            problems.Add($"it starts at {_first}, but its manifest records the oplog {(manifest.Kind == SnapshotKind.Oplog ? "starting at" : "saved from")} {manifest.OplogStart}");
        if (_last != manifest.OplogEnd)
            problems.Add($"it ends at {_last}, but its manifest records the oplog ending at {manifest.OplogEnd}");
        if (manifest.ConsistentAt is { } at && _lastPoint is { } last && (last.Timestamp != at.Timestamp || last.WallTime != at.WallTime))
            problems.Add($"it ends at {last.Timestamp} ({last.WallTime:u}), but its manifest says the snapshot is consistent at {at.Timestamp} ({at.WallTime:u})");
        return problems;
    }

    /// <summary>Fails, naming the file and every mismatch, when the entries are not what the manifest records.</summary>
    /// <exception cref="MongoBackupException">CorruptFile: the entries and the manifest disagree.</exception>
    public void ThrowIfWrong()
    {
        var problems = Problems();
        if (problems.Count > 0)
            throw new MongoBackupException(ErrorIds.CorruptFile, $"The oplog file '{displayName}' is not what its manifest records: {string.Join("; ", problems)}.",
                target: displayName);
    }
}
