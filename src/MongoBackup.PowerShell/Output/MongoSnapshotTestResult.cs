using MongoBackup.Engine.Housekeeping;

namespace MongoBackup;

/// <summary>What Test-MongoSnapshot found in one snapshot: each file, the documents parsed, and any scratch restore.</summary>
public sealed class MongoSnapshotTestResult
{
    public string SnapshotId { get; init; } = "";
    public bool Passed { get; init; }
    public OutputList<MongoSnapshotFileTestResult> Files { get; init; } = OutputList<MongoSnapshotFileTestResult>.Empty;
    /// <summary>
    /// User documents parsed from the data files (a cluster snapshot's config server metadata not counted); null when no
    /// document was read (Mode Hashes: an encrypted snapshot tested without its key), which is not a count of zero.
    /// </summary>
    public long? Documents { get; init; }
    /// <summary>
    /// What kind of test it was: Hashes (an encrypted snapshot without its key: file sizes and SHA-256 only, its contents
    /// not read), Files (every file read, decompressed, decrypted and parsed, and the manifest's checks) or Restore (Files
    /// and a scratch restore whose counts were compared). Get-MongoSnapshot's VerificationMode names the same.
    /// </summary>
    public string Mode { get; init; } = "";
    /// <summary>Whether the snapshot was also restored into scratch databases (-ConnectionString) and its counts compared.</summary>
    public bool RestoreChecked { get; init; }
    /// <summary>
    /// Per collection: documents the manifest records and documents the scratch restore produced (a time-series
    /// collection's buckets on both sides, its measurements beside them).
    /// </summary>
    public OutputList<MongoSnapshotRestoreCount> RestoreCounts { get; init; } = OutputList<MongoSnapshotRestoreCount>.Empty;
    /// <summary>Every problem found, each naming its file or namespace; empty when the snapshot passed.</summary>
    public OutputList<string> Problems { get; init; } = OutputList<string>.Empty;
    /// <summary>
    /// What could not be checked and why: a manifest that is not authenticated (plain snapshots, or no key given), or one
    /// written before files were bound to their namespaces. Limits of what Passed proves, not problems.
    /// </summary>
    public OutputList<string> Unchecked { get; init; } = OutputList<string>.Empty;
    public string Repository { get; init; } = "";

    public override string ToString() => $"{SnapshotId}: {(Passed ? "passed" : "FAILED")} ({Mode})";

    public static MongoSnapshotTestResult FromVerification(SnapshotVerification verification) => new()
    {
        SnapshotId = verification.SnapshotId,
        Passed = verification.Passed,
        Files = OutputList.Of(verification.Files.Select(f => new MongoSnapshotFileTestResult
        {
            Path = f.Path, Kind = f.Kind.ToString(), SizeBytes = f.Size, ExpectedSizeBytes = f.ExpectedSize,
            Documents = verification.Parsed ? f.Documents : null, Passed = f.Passed, Problem = f.Problem, ProblemOffset = f.ProblemOffset, ClusterMetadata = f.ClusterMetadata,
        })),
        Documents = verification.Parsed ? verification.Documents : null,
        Mode = verification.Mode,
        RestoreChecked = verification.RestoreChecked,
        RestoreCounts = OutputList.Of(verification.RestoredCounts.Select(c => new MongoSnapshotRestoreCount
            { Namespace = c.Namespace, Expected = c.Expected, Restored = c.Restored, Unit = c.Buckets ? "buckets" : "documents", Measurements = c.Measurements })),
        Problems = OutputList.Of(verification.Problems),
        Unchecked = OutputList.Of(verification.Unchecked),
        Repository = verification.Repository,
    };
}

/// <summary>One file of a tested snapshot: its path in the snapshot, size, documents parsed, and what is wrong (null when nothing).</summary>
public sealed class MongoSnapshotFileTestResult
{
    public string Path { get; init; } = "";
    /// <summary>Data, Metadata or Oplog.</summary>
    public string Kind { get; init; } = "";
    public long SizeBytes { get; init; }
    public long ExpectedSizeBytes { get; init; }
    /// <summary>Documents parsed from the file; null when it was not read past its SHA-256 (encrypted, no key given).</summary>
    public long? Documents { get; init; }
    public bool Passed { get; init; }
    public string? Problem { get; init; }
    /// <summary>
    /// The byte offset Problem names, which says what it counts: where a broken document starts in the decompressed (and
    /// decrypted) data, where a damaged chunk of an encrypted file starts in the stored file, or where a file cut short
    /// inside its compressed data ends; null when the problem has no place (a size or SHA-256 mismatch alone).
    /// </summary>
    public long? ProblemOffset { get; init; }
    /// <summary>True for a cluster snapshot's config server metadata file (configsvr/config/*.bson): its documents describe the cluster, not user data.</summary>
    public bool ClusterMetadata { get; init; }

    public override string ToString() => Path;
}

/// <summary>One collection of a scratch restore.</summary>
public sealed class MongoSnapshotRestoreCount
{
    public string Namespace { get; init; } = "";
    /// <summary>What the snapshot's manifest records (<see cref="Unit"/>: a time-series collection's buckets).</summary>
    public long Expected { get; init; }
    /// <summary>What the scratch restore holds, counted as <see cref="Expected"/> is.</summary>
    public long Restored { get; init; }
    /// <summary>
    /// What Expected and Restored count: "documents", or for a time-series collection "buckets" (the documents of
    /// system.buckets.NAME, which its file and the manifest hold, each with many measurements).
    /// </summary>
    public string Unit { get; init; } = "documents";
    /// <summary>For a time-series collection, the measurements its restored buckets hold (as countDocuments counts them); null otherwise.</summary>
    public long? Measurements { get; init; }
    public override string ToString() => $"{Namespace}: {Restored}/{Expected} {Unit}";
}
