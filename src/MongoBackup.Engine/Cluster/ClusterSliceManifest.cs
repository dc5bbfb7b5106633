using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Oplog;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The manifest of a cluster oplog slice. Its cluster section holds each shard's part as a replica-set slice's manifest
/// would describe it (the end it continues, its gap, its entries; see <see cref="ShardSection"/>). Its own fields describe
/// the cluster's chain as one, so restore windows and retention read it as any slice: it continues the cluster's previous
/// cut (PreviousSliceEnd) and holds every shard's writes up to its cut (OplogEnd, ConsistentAt); when a shard lost oplog,
/// its gap runs from that previous cut to the last entry any shard lost (so no window crosses it), and OplogStart is
/// where every shard's part holds all entries again.
/// </summary>
internal static class ClusterSliceManifest
{
    public static SnapshotManifest New(OplogSliceRequest request, string id, ServerTopology mongos, DateTimeOffset started,
        OplogTimestamp previous, ConsistencyPoint cut, List<ShardSection> shards, System.IO.Compression.CompressionLevel? level)
    {
        var lost = shards.Select(s => s.Gap).OfType<OplogGap>().ToList();
        var gap = lost.Count == 0 ? null : new OplogGap(previous, lost.Max(g => g.To));
        return new SnapshotManifest
        {
            Id = id,
            Kind = SnapshotKind.Oplog,
            Status = SnapshotStatus.Complete,
            ToolVersion = EngineVersion.Current,
            Source = new SnapshotSource { Topology = TopologyKind.Sharded.ToString(), ServerVersion = mongos.ServerVersion, Hosts = mongos.Hosts.ToList() },
            StartTime = started,
            EndTime = DateTimeOffset.UtcNow,
            PreviousSliceEnd = previous,
            OplogStart = gap?.To ?? shards.Select(s => s.OplogStart).OfType<OplogTimestamp>().DefaultIfEmpty(cut.Timestamp).Min(),
            OplogEnd = cut.Timestamp,
            ConsistentAt = cut,
            PointInTimeConsistent = gap is null,
            Gap = gap,
            OplogEntries = shards.Sum(s => s.OplogEntries),
            Compression = request.Compression,
            CompressionLevel = level,
            Tags = new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
            Cluster = new ClusterSection { ClusterTime = cut, Shards = shards },
        };
    }
}
