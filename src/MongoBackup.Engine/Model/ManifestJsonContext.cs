using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Model;

/// <summary>
/// manifest.json's serialization code, generated at build time and set as the <c>TypeInfoResolver</c> of
/// <see cref="SnapshotManifest"/>'s options, which still decide names, converters and indentation. Without it
/// System.Text.Json built its serializers by reflection and emitted IL at the first manifest a process read: about
/// 500 methods JIT-compiled in every cmdlet that reads a repository (issue 19), which no ReadyToRun image can hold.
/// </summary>
[JsonSerializable(typeof(SnapshotManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
