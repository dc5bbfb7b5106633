namespace MongoBackup.Engine.Repository;

/// <summary>
/// One listing of a repository: its snapshots as <see cref="ISnapshotRepository.ListAsync"/> gives them, and the names of
/// the folders below its root that listing left out because they are no snapshot's (no manifest, neither named as a
/// backup names one nor marked: a mongodump directory's databases, an export kept beside the snapshots). The left-out
/// names say why a listing is empty (a folder that is no repository is not an empty one) without listing it again.
/// </summary>
/// <param name="Snapshots">One result per snapshot folder, in ordinal order of ids.</param>
/// <param name="OtherFolders">The folders left out, in ordinal order; empty where the repository cannot tell.</param>
public sealed record SnapshotListing(IReadOnlyList<ManifestReadResult> Snapshots, IReadOnlyList<string> OtherFolders);
