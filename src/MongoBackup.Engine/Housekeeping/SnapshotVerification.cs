using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// What reading one snapshot file found: its size as stored, the documents it parsed into, and what is wrong with
/// it (null when nothing is). <see cref="ProblemOffset"/> is the offset <see cref="Problem"/> names, which says what it counts
/// (<see cref="Formats.DumpOffsetKind"/>): where a broken document starts in the decompressed (and decrypted) data, where a
/// damaged chunk of an encrypted file starts in the stored file, or where a file cut short ends.
/// </summary>
public sealed record FileVerification(string Path, ManifestFileKind Kind, long ExpectedSize, long Size, long Documents,
    string? Problem, long? ProblemOffset)
{
    /// <summary>True when the file was read whole and matched its manifest entry.</summary>
    public bool Passed => Problem is null;

    /// <summary>A file of a cluster snapshot's config server metadata (its documents describe the cluster; they are not user data).</summary>
    public bool ClusterMetadata { get; init; }
}

/// <summary>
/// One namespace of a scratch restore: documents the manifest records (less a cluster's orphans) and documents that
/// arrived on the server; for a time-series collection, its buckets on both sides (<see cref="Buckets"/>).
/// </summary>
public sealed record RestoredCount(string Namespace, long Expected, long Restored)
{
    /// <summary>
    /// True for a time-series collection: <see cref="Expected"/> and <see cref="Restored"/> count its buckets (what its
    /// file and the manifest hold, system.buckets.NAME's documents), not its measurements (<see cref="Measurements"/>).
    /// </summary>
    public bool Buckets { get; init; }

    /// <summary>For a time-series collection, the measurements its restored buckets hold, as countDocuments counts them; null otherwise.</summary>
    public long? Measurements { get; init; }

    /// <summary>
    /// For a cluster snapshot, a migration's orphans the restore left out (the shard they were copied from did not own
    /// them at the cut): <see cref="Expected"/> is the manifest's count less these.
    /// </summary>
    public long OrphansLeftOut { get; init; }

    /// <summary>True when the scratch restore holds as many documents as the manifest records.</summary>
    public bool Matches => Expected == Restored;
}

/// <summary>The outcome of testing one snapshot: every file, and (when a server was given) the scratch restore.</summary>
public sealed class SnapshotVerification(string snapshotId, string repository)
{
    /// <summary>The snapshot tested.</summary>
    public string SnapshotId { get; } = snapshotId;
    /// <summary>The repository's location, as users gave it.</summary>
    public string Repository { get; } = repository;
    /// <summary>One result per file the manifest lists, in the manifest's order.</summary>
    public List<FileVerification> Files { get; } = [];
    /// <summary>One count per collection of the scratch restore; empty when none was run.</summary>
    public List<RestoredCount> RestoredCounts { get; } = [];
    /// <summary>True when the files were decrypted and every document parsed; false when only sizes and SHA-256 were checked (encrypted, no key).</summary>
    public bool Parsed { get; set; }
    /// <summary>True when a scratch restore was run (a server was given and the files passed).</summary>
    public bool RestoreChecked { get; set; }

    /// <summary>
    /// What kind of test it was, as its record names it: <see cref="VerificationRecord.HashesMode"/> (encrypted, no key:
    /// sizes and SHA-256 only, no document read), <see cref="VerificationRecord.FilesMode"/> or <see cref="VerificationRecord.RestoreMode"/>.
    /// </summary>
    public string Mode => !Parsed ? VerificationRecord.HashesMode : RestoreChecked ? VerificationRecord.RestoreMode : VerificationRecord.FilesMode;

    /// <summary>Every problem found, each naming its file or namespace; empty when the snapshot passed.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>
    /// What could not be checked, and why (a manifest that is not authenticated, one written before files were bound);
    /// not problems, but limits of what <see cref="Passed"/> proves.
    /// </summary>
    public List<string> Unchecked { get; } = [];

    /// <summary>
    /// User documents parsed from the data files (oplog entries are counted in their own file's result, a cluster
    /// snapshot's config metadata documents in theirs).
    /// </summary>
    public long Documents => Files.Where(f => f.Kind == ManifestFileKind.Data && !f.ClusterMetadata).Sum(f => f.Documents);
    /// <summary>True when nothing wrong was found (within what <see cref="Unchecked"/> says could not be checked).</summary>
    public bool Passed => Problems.Count == 0;
}
