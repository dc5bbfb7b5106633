using System.Globalization;

namespace MongoBackup;

/// <summary>
/// A snapshot's contents in a few words, as the snapshot table's Contents column shows them: a slice's entry count (and
/// GAP when writes were lost before it), a cluster's shard count and databases, else the databases; "; encrypted (key
/// FINGERPRINT)" after an encrypted one. Parts are joined by "; ", never by the comma that joins database names, so
/// "encrypted" is never read as one more database (it was "shop, hr, encrypted, key ...").
/// </summary>
public static class SnapshotContents
{
    /// <summary>"1,234 oplog entries", "; GAP: writes lost before it" after it when the slice has one; "Sharded, 2 shards: shop, hr"; "shop, hr".</summary>
    public static string Describe(MongoSnapshot snapshot)
    {
        var parts = new List<string>();
        if (snapshot.Kind == nameof(Engine.Model.SnapshotKind.Oplog))
        {
            parts.Add(string.Format(CultureInfo.CurrentCulture, "{0:N0} oplog {1}", snapshot.Entries, snapshot.Entries == 1 ? "entry" : "entries"));
            if (snapshot.Gap is not null) parts.Add("GAP: writes lost before it");
        }
        else if (snapshot.Topology == "Sharded")
            parts.Add($"Sharded, {snapshot.Shards.Count} shards: {string.Join(", ", snapshot.Databases)}");
        else if (snapshot.Databases.Count > 0)
            parts.Add(string.Join(", ", snapshot.Databases));
        if (snapshot.Encrypted) parts.Add($"encrypted (key {snapshot.KeyFingerprint})");
        return string.Join("; ", parts);
    }
}
