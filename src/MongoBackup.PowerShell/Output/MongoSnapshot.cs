using System.Collections;
using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>
/// One snapshot in a repository, as Backup-MongoDatabase and Get-MongoSnapshot emit it. Carries the real
/// paths of its files so Get-Item, Copy-Item and other tools can take them by property name.
/// </summary>
public sealed class MongoSnapshot
{
    public const string IncompleteStatus = "Incomplete";

    public string Id { get; init; } = "";
    /// <summary>Full or Oplog.</summary>
    public string Kind { get; init; } = "";
    /// <summary>Complete, Failed, or Incomplete (no readable manifest: the backup did not finish).</summary>
    public string Status { get; init; } = "";
    public DateTime? StartTime { get; init; }
    public DateTime? EndTime { get; init; }
    /// <summary>UTC wall time the data is consistent at once the saved oplog is replayed; null for a standalone source.</summary>
    public DateTime? ConsistentAt { get; init; }
    public string? ConsistentAtTimestamp { get; init; }
    public bool PointInTimeConsistent { get; init; }
    /// <summary>For an oplog slice: the first and last entries it holds, as "Timestamp(seconds, increment)".</summary>
    public string? OplogStart { get; init; }
    public string? OplogEnd { get; init; }
    /// <summary>For an oplog slice: where the slice before it (or the full snapshot it continues) ended.</summary>
    public string? PreviousSliceEnd { get; init; }
    /// <summary>For an oplog slice: how many oplog entries it holds.</summary>
    public long Entries { get; init; }
    /// <summary>For an oplog slice: the span whose writes were lost because the oplog rolled over first; null when none.</summary>
    public string? Gap { get; init; }
    /// <summary>For a full snapshot: what it was asked to take, "all databases" or the patterns that narrowed it; null for an oplog slice.</summary>
    public string? Scope { get; init; }
    /// <summary>For a full snapshot: taken with -CopyOnly, outside the backup chain (no restore window's base, left alone by retention).</summary>
    public bool CopyOnly { get; init; }
    public string[] Databases { get; init; } = [];
    public int Collections { get; init; }
    public long Documents { get; init; }
    public long SizeBytes { get; init; }
    public string Compression { get; init; } = "";
    /// <summary>
    /// The -CompressionLevel the files were written at (Fastest, Optimal, SmallestSize); empty without compression, and
    /// for snapshots taken before levels were recorded.
    /// </summary>
    public string CompressionLevel { get; init; } = "";
    /// <summary>Whether the snapshot's files are encrypted at rest.</summary>
    public bool Encrypted { get; init; }
    /// <summary>The fingerprint of the key that opens an encrypted snapshot (it reveals nothing of the key); null when not encrypted.</summary>
    public string? KeyFingerprint { get; init; }
    /// <summary>The snapshot folder: also a mongodump directory.</summary>
    public string Path { get; init; } = "";
    public string[] Files { get; init; } = [];
    public string Repository { get; init; } = "";
    public string Source { get; init; } = "";
    public Hashtable Tags { get; init; } = new();
    /// <summary>Why an incomplete snapshot has no usable manifest.</summary>
    public string? Problem { get; init; }

    public override string ToString() => Id;

    public static MongoSnapshot FromManifest(SnapshotManifest manifest, ISnapshotRepository repository)
    {
        var tags = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in manifest.Tags) tags[key] = value;
        var files = manifest.Files.Select(f => repository.LocalPath(manifest.Id, f.Path) ?? f.Path)
            .Append(repository.LocalPath(manifest.Id, SnapshotManifest.FileName) ?? SnapshotManifest.FileName);
        return new MongoSnapshot
        {
            Id = manifest.Id,
            Kind = manifest.Kind.ToString(),
            Status = manifest.Status.ToString(),
            StartTime = manifest.StartTime.UtcDateTime,
            EndTime = manifest.EndTime == default ? null : manifest.EndTime.UtcDateTime,
            ConsistentAt = manifest.ConsistentAt?.WallTime.UtcDateTime,
            ConsistentAtTimestamp = manifest.ConsistentAt?.Timestamp.ToString(),
            PointInTimeConsistent = manifest.PointInTimeConsistent,
            OplogStart = manifest.OplogStart?.ToString(),
            OplogEnd = manifest.OplogEnd?.ToString(),
            PreviousSliceEnd = manifest.PreviousSliceEnd?.ToString(),
            Entries = manifest.OplogEntries,
            Gap = manifest.Gap is { } gap ? $"{gap.From.WallTime:u} to {gap.To.WallTime:u} ({gap.From} to {gap.To})" : null,
            Scope = manifest.Kind == SnapshotKind.Full ? manifest.EffectiveScope.ToString() : null,
            CopyOnly = manifest.CopyOnly,
            Databases = manifest.Namespaces.Select(n => n.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            Collections = manifest.Namespaces.Count,
            Documents = manifest.Namespaces.Sum(n => n.Documents),
            SizeBytes = manifest.Files.Sum(f => f.Size),
            Compression = manifest.Compression.ToString(),
            CompressionLevel = manifest.CompressionLevel?.ToString() ?? "",
            Encrypted = manifest.Encryption is not null,
            KeyFingerprint = manifest.Encryption?.KeyId,
            Path = SnapshotFolder(repository, manifest.Id),
            Files = files.ToArray(),
            Repository = repository.Location,
            Source = DescribeSource(manifest.Source),
            Tags = tags,
        };
    }

    public static MongoSnapshot Incomplete(string id, ISnapshotRepository repository, string? problem) => new()
    {
        Id = id,
        Status = IncompleteStatus,
        Path = SnapshotFolder(repository, id),
        Repository = repository.Location,
        Problem = problem,
    };

    private static string SnapshotFolder(ISnapshotRepository repository, string id)
    {
        // LocalPath of a file inside the snapshot gives its folder without guessing the repository's layout.
        var manifest = repository.LocalPath(id, SnapshotManifest.FileName);
        return manifest is null ? id : System.IO.Path.GetDirectoryName(manifest)!;
    }

    private static string DescribeSource(SnapshotSource source)
    {
        var set = string.IsNullOrEmpty(source.ReplicaSetName) ? "" : " " + source.ReplicaSetName;
        var version = string.IsNullOrEmpty(source.ServerVersion) ? "" : $" (MongoDB {source.ServerVersion})";
        var hosts = source.Hosts.Count == 0 ? "" : " on " + string.Join(",", source.Hosts);
        return $"{source.Topology}{set}{version}{hosts}";
    }
}
