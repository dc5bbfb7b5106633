using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;

namespace MongoBackup.Engine.Cluster;

/// <summary>The manifest of a new cluster snapshot: a full snapshot whose data and oplog are its shards' (see <see cref="ClusterSection"/>).</summary>
internal static class ClusterManifest
{
    public static SnapshotManifest New(BackupRequest request, string id, ServerTopology mongos, DateTimeOffset started,
        ConsistencyPoint cut, List<ShardSection> shards, string metadataFolder) => new()
    {
        Id = id,
        Kind = SnapshotKind.Full,
        Status = SnapshotStatus.Complete,
        ToolVersion = EngineVersion.Current,
        Source = new SnapshotSource { Topology = TopologyKind.Sharded.ToString(), ServerVersion = mongos.ServerVersion, Hosts = mongos.Hosts.ToList() },
        StartTime = started,
        ConsistentAt = cut,
        PointInTimeConsistent = true,
        Compression = request.Compression,
        CompressionLevel = request.Compression == Compression.None ? null : request.CompressionLevel,
        Scope = SnapshotScope.From(request.Filter, null),
        CopyOnly = request.CopyOnly,
        Tags = new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
        Cluster = new ClusterSection { ClusterTime = cut, Shards = shards, MetadataFolder = metadataFolder },
    };
}
