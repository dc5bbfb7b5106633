using System.Collections;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>
/// One snapshot in a repository, as Backup-MongoDatabase and Get-MongoSnapshot emit it. Carries the real
/// paths of its files so Get-Item, Copy-Item and other tools can take them by property name.
/// </summary>
public sealed class MongoSnapshot
{
    public const string IncompleteStatus = "Incomplete";
    public const string InProgressStatus = "InProgress";
    public const string DamagedStatus = "Damaged";

    public string Id { get; init; } = "";
    /// <summary>Full or Oplog.</summary>
    public string Kind { get; init; } = "";
    /// <summary>
    /// Complete, Failed, InProgress (no manifest yet, and a live writer lease: a backup, a copy or a continuous capture's
    /// open slice still being written), Incomplete (no manifest and no live writer: the run that wrote it stopped or
    /// failed) or Damaged (a manifest that cannot be read: the backup finished and its data may be whole; removed only by
    /// -Id with -Force).
    /// </summary>
    public string Status { get; init; } = "";
    /// <summary>When the backup started, in local time with its offset (compares correctly with Get-Date).</summary>
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    /// <summary>The moment (to the millisecond, local time with its offset) the data is consistent at once the saved oplog is replayed; null for a standalone source.</summary>
    public DateTimeOffset? ConsistentAt { get; init; }
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
    public OutputList<string> Databases { get; init; } = OutputList<string>.Empty;
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
    public OutputList<string> Files { get; init; } = OutputList<string>.Empty;
    public string Repository { get; init; } = "";
    /// <summary>The source in one line: topology, replica set, version and hosts (the same as the properties below).</summary>
    public string Source { get; init; } = "";
    /// <summary>Standalone, ReplicaSet, or Sharded for a snapshot of a sharded cluster taken through its mongos (see <see cref="Shards"/>).</summary>
    public string? Topology { get; init; }
    /// <summary>A cluster snapshot's shards, each with its replica set, members, share of the documents and saved oplog; empty for any other snapshot.</summary>
    public OutputList<MongoSnapshotShard> Shards { get; init; } = OutputList<MongoSnapshotShard>.Empty;
    /// <summary>The replica set the snapshot was taken from; null for a standalone server.</summary>
    /// <summary>
    /// The source's id, which tells apart two sets of the same name: a replica set's replicaSetId, a cluster's config.version
    /// clusterId (24 hex digits). Get-MongoSnapshot gives a snapshot that recorded none its source's (the id the chain links
    /// join it to, or its name and oldest snapshot's id, e.g. rs0:20261124T221500Z-full-3f9a); a new backup's output, only
    /// what it recorded (null where the server would not tell it).
    /// </summary>
    public string? SourceId { get; init; }
    public string? ReplicaSetName { get; init; }
    /// <summary>The MongoDB version of the source server, as buildInfo reported it.</summary>
    public string? ServerVersion { get; init; }
    /// <summary>host:port of the source's members (of a cluster snapshot: the mongos it was taken through; the shards' are in <see cref="Shards"/>).</summary>
    public OutputList<string> Hosts { get; init; } = OutputList<string>.Empty;
    /// <summary>How long the backup ran, from StartTime to EndTime; null while unknown.</summary>
    public TimeSpan? Duration { get; init; }
    public TagTable Tags { get; init; } = new();
    /// <summary>The -Query filter the snapshot's one collection was read with (only matching documents are in it); null when none.</summary>
    public string? Query { get; init; }
    /// <summary>
    /// The outcome of the snapshot's last Test-MongoSnapshot, as recorded with it: Passed, Failed, or Never (no test
    /// recorded). Filled by Get-MongoSnapshot, and on the snapshots a backup, an oplog slice, a copy, a policy run or a key
    /// rotation emits; null only for snapshots without a usable manifest.
    /// </summary>
    public string? VerificationStatus { get; init; }
    /// <summary>When the last recorded test finished, in local time with its offset; null when none was recorded.</summary>
    public DateTimeOffset? LastVerified { get; init; }
    /// <summary>
    /// What the last recorded test checked: Hashes (an encrypted snapshot without its key: sizes and SHA-256), Files
    /// (every file decompressed, decrypted and parsed, and the manifest's checks) or Restore (Files and a scratch restore).
    /// </summary>
    public string? VerificationMode { get; init; }
    /// <summary>The first problem the last recorded test found (naming its file or namespace); null when it passed.</summary>
    public string? VerificationProblem { get; init; }
    /// <summary>
    /// When a test last passed, in local time with its offset: the recorded test's own time, or later when a test that
    /// checked less (Files after a Restore) passed since and left the stronger record in place; null when the last
    /// recorded test failed or none was. What -NotVerifiedSince compares with its date.
    /// </summary>
    public DateTimeOffset? LastPassed { get; init; }
    /// <summary>Why an incomplete or damaged snapshot has no usable manifest.</summary>
    public string? Problem { get; init; }
    /// <summary>What the default table's Contents column shows (<see cref="SnapshotContents"/>), so Format-Table Id,Contents names it too.</summary>
    public string Contents => SnapshotContents.Describe(this);

    public override string ToString() => Id;

    /// <summary>
    /// The snapshot as its manifest describes it; its verification properties left null (not read). <paramref name="sourceId"/>:
    /// its source's SourceId as the repository's listing groups it (<see cref="SnapshotSources.SourceIdsOf"/>); null takes
    /// the id the manifest recorded, if any.
    /// </summary>
    public static MongoSnapshot FromManifest(SnapshotManifest manifest, ISnapshotRepository repository, string? sourceId = null) =>
        FromManifest(manifest, repository, verificationRead: false, verification: null, sourceId);

    /// <summary>
    /// A snapshot this command has just committed (a backup, an oplog slice, a copy): no test can be recorded for it yet,
    /// so its VerificationStatus is Never, as Get-MongoSnapshot shows the same snapshot, without a read.
    /// </summary>
    public static MongoSnapshot Committed(SnapshotManifest manifest, ISnapshotRepository repository) =>
        FromManifest(manifest, repository, verificationRead: true, verification: null, sourceId: null);

    /// <summary>
    /// The snapshot with its last recorded test (<paramref name="verification"/> null: none was recorded, Never), as
    /// Get-MongoSnapshot reads it; <paramref name="sourceId"/> as above.
    /// </summary>
    public static MongoSnapshot FromManifest(SnapshotManifest manifest, ISnapshotRepository repository, VerificationRecord? verification, string? sourceId) =>
        FromManifest(manifest, repository, verificationRead: true, verification, sourceId);

    private static MongoSnapshot FromManifest(SnapshotManifest manifest, ISnapshotRepository repository, bool verificationRead, VerificationRecord? verification,
        string? sourceId)
    {
        var tags = new TagTable();
        foreach (var (key, value) in manifest.Tags) tags[key] = value;
        var files = manifest.Files.Select(f => repository.LocalPath(manifest.Id, f.Path) ?? f.Path)
            .Append(repository.LocalPath(manifest.Id, SnapshotManifest.FileName) ?? SnapshotManifest.FileName);
        // A cluster's namespaces are its shards' (a sharded collection counted once, its documents on every shard summed),
        // with its users and roles saved from the config servers, counted as a replica set's are (they are in its
        // Namespaces) and as Test-MongoSnapshot's Documents counts their files.
        var namespaces = ShardSnapshotViews.NamespacesOf(manifest).Concat(manifest.Cluster?.UsersAndRoles ?? []).ToList();
        return new MongoSnapshot
        {
            Id = manifest.Id,
            Kind = manifest.Kind.ToString(),
            Status = manifest.Status.ToString(),
            StartTime = LocalTime.Of(manifest.StartTime),
            EndTime = manifest.EndTime == default ? null : LocalTime.Of(manifest.EndTime),
            ConsistentAt = LocalTime.Of(manifest.ConsistentAt?.WallTime),
            ConsistentAtTimestamp = manifest.ConsistentAt?.Timestamp.ToString(),
            PointInTimeConsistent = manifest.PointInTimeConsistent,
            OplogStart = manifest.OplogStart?.ToString(),
            OplogEnd = manifest.OplogEnd?.ToString(),
            PreviousSliceEnd = manifest.PreviousSliceEnd?.ToString(),
            Entries = manifest.OplogEntries,
            Gap = manifest.Gap is { } gap ? $"{gap.From.WallTime:u} to {gap.To.WallTime:u} ({gap.From} to {gap.To})" : null,
            Scope = manifest.Kind == SnapshotKind.Full ? manifest.EffectiveScope.ToString() : null,
            CopyOnly = manifest.CopyOnly,
            Databases = OutputList.Of(namespaces.Select(n => n.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
            Collections = namespaces.Select(n => n.FullName).Distinct(StringComparer.Ordinal).Count(),
            Documents = namespaces.Sum(n => n.Documents),
            SizeBytes = manifest.Files.Sum(f => f.Size),
            Compression = manifest.Compression.ToString(),
            CompressionLevel = manifest.CompressionLevel?.ToString() ?? "",
            Encrypted = manifest.Encryption is not null,
            KeyFingerprint = manifest.Encryption?.KeyId,
            Path = SnapshotFolder(repository, manifest.Id),
            Files = OutputList.Of(files),
            Repository = repository.Location,
            Source = DescribeSource(manifest.Source),
            Topology = string.IsNullOrEmpty(manifest.Source.Topology) ? null : manifest.Source.Topology,
            Shards = OutputList.Of(manifest.Cluster?.Shards.Select(MongoSnapshotShard.Of) ?? []),
            ReplicaSetName = manifest.Source.ReplicaSetName,
            SourceId = sourceId ?? SnapshotSources.IdOf(manifest),
            ServerVersion = string.IsNullOrEmpty(manifest.Source.ServerVersion) ? null : manifest.Source.ServerVersion,
            Hosts = OutputList.Of(manifest.Source.Hosts),
            Duration = manifest.EndTime == default ? null : manifest.EndTime - manifest.StartTime,
            Tags = tags,
            Query = manifest.Scope?.Query,
            VerificationStatus = verificationRead ? verification?.Status ?? NeverVerified : null,
            LastVerified = LocalTime.Of(verification?.VerifiedAt),
            VerificationMode = verification?.Mode,
            VerificationProblem = verification?.FirstProblem,
            LastPassed = LocalTime.Of(verification?.LastPassedAt),
        };
    }

    /// <summary>The <see cref="VerificationStatus"/> of a snapshot no test was recorded for.</summary>
    public const string NeverVerified = "Never";

    /// <summary>For an InProgress snapshot: who is writing it (host, process and what it runs), from its writer lease.</summary>
    public string? BeingWrittenBy { get; init; }

    /// <summary>
    /// A snapshot folder without a usable manifest: Damaged when one exists but cannot be read; else InProgress while one of
    /// <paramref name="writers"/> (its writer marks, judged by <see cref="SnapshotWriters"/>) may still be writing it; else
    /// Incomplete, its Problem saying how its writer is known to be gone. Its kind and start are read from its id.
    /// </summary>
    public static MongoSnapshot Unreadable(ManifestReadResult found, ISnapshotRepository repository, IReadOnlyList<WriterState>? writers = null)
    {
        var writer = found.IsDamaged ? null : writers?.FirstOrDefault(w => w.MayBeWriting);
        var abandoned = found.IsDamaged || writer is not null || writers is null ? null : SnapshotWriters.Abandoned(writers);
        return new()
        {
            Id = found.SnapshotId,
            // Without a manifest the kind and start are read from the id ("20261124T221500Z-oplog-3f9a"), which says them too.
            Kind = SnapshotIds.KindOf(found.SnapshotId)?.ToString() ?? "",
            StartTime = LocalTime.Of(SnapshotIds.StartOf(found.SnapshotId)),
            Status = found.IsDamaged ? DamagedStatus : writer is not null ? InProgressStatus : IncompleteStatus,
            Path = SnapshotFolder(repository, found.SnapshotId),
            Repository = repository.Location,
            BeingWrittenBy = writer?.Mark.Holder,
            Problem = writer is not null
                ? $"Still being written by {writer.Mark.Holder}: its manifest is committed when it ends (its writer lease, renewed while it runs, lapses at {writer.Mark.ExpiresAt:u} unless renewed; {writer.Why})."
                : abandoned is not null
                    ? $"Abandoned: {found.Error} The run that wrote it is gone ({abandoned}); nothing can be restored from it. " +
                      "Remove-MongoSnapshot removes it, and so does retention (Invoke-MongoSnapshotRetention, a policy's retention step)."
                    : found.Error,
        };
    }

    /// <summary>Whether this is a snapshot without a usable manifest (InProgress, Incomplete or Damaged): nothing in it can be read.</summary>
    internal bool IsUnreadable => Status is IncompleteStatus or InProgressStatus or DamagedStatus;

    /// <summary>Refuses, by name, a snapshot without a usable manifest: nothing in it can be <paramref name="doing"/>.</summary>
    internal void RequireReadable(string doing)
    {
        if (Status == InProgressStatus)
            throw new MongoBackupException(ErrorIds.SnapshotBeingWritten,
                $"Snapshot '{Id}' is still being written by {BeingWrittenBy} (it has no manifest yet) and cannot be {doing} until it is committed.", target: Id);
        if (Status == IncompleteStatus)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"Snapshot '{Id}' is incomplete (it has no manifest) and cannot be {doing}.", target: Id);
        if (Status == DamagedStatus)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot '{Id}' has a damaged manifest and cannot be {doing}: {Problem}", target: Id);
    }

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

/// <summary>One shard of a cluster snapshot, as Get-MongoSnapshot shows it.</summary>
public sealed class MongoSnapshotShard
{
    /// <summary>The shard's id (config.shards _id), also its folder in the snapshot.</summary>
    public string Name { get; init; } = "";
    /// <summary>The replica set the shard was read from.</summary>
    public string? ReplicaSetName { get; init; }
    /// <summary>host:port of its members.</summary>
    public OutputList<string> Hosts { get; init; } = OutputList<string>.Empty;
    /// <summary>Collections with documents or metadata on this shard.</summary>
    public int Collections { get; init; }
    /// <summary>Documents copied from this shard (its part of each collection).</summary>
    public long Documents { get; init; }
    /// <summary>Oplog entries saved from this shard, up to the cluster's cut.</summary>
    public long OplogEntries { get; init; }
    /// <summary>The last oplog entry saved from this shard, at or before the cut, as "Timestamp(seconds, increment)".</summary>
    public string? OplogEnd { get; init; }

    /// <summary>
    /// "shard0 (replica set rs0 at h1:27018,h2:27018): 1,000 documents in 12 collections, 3 oplog entries to Timestamp(...)";
    /// a shard of an oplog slice, which holds no collections, is its oplog entries alone.
    /// </summary>
    public override string ToString()
    {
        var entries = $"{OplogEntries:N0} oplog {(OplogEntries == 1 ? "entry" : "entries")}{(OplogEnd is null ? "" : $" to {OplogEnd}")}";
        var data = Collections == 0 && Documents == 0 ? "" : $"{Documents:N0} documents in {Collections:N0} collections, ";
        return $"{Name} (replica set {ReplicaSetName}{(Hosts.Count == 0 ? "" : $" at {string.Join(",", Hosts)}")}): {data}{entries}";
    }

    internal static MongoSnapshotShard Of(ShardSection shard) => new()
    {
        Name = shard.Name,
        ReplicaSetName = shard.ReplicaSetName,
        Hosts = OutputList.Of(shard.Hosts),
        Collections = shard.Namespaces.Count,
        Documents = shard.Namespaces.Sum(n => n.Documents),
        OplogEntries = shard.OplogEntries,
        OplogEnd = shard.OplogEnd?.ToString(),
    };
}
