using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The serialization code of the repository's own small JSON files (settings, lease records, the snapshot folder
/// marker, verification records), generated at build time for the same reason as <see cref="Model.ManifestJsonContext"/>: no reflection
/// nor emitted IL at a cmdlet's start.
/// </summary>
[JsonSerializable(typeof(RepositorySettings))]
[JsonSerializable(typeof(LeaseRecord))]
[JsonSerializable(typeof(VerificationRecord))]
[JsonSerializable(typeof(SnapshotFolderMarker.MarkerContent))]
internal sealed partial class RepositoryJsonContext : JsonSerializerContext;
