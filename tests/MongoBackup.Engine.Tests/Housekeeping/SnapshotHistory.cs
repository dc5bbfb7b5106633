using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// Manifests of full snapshots and oplog slices on one timeline (seconds are oplog timestamps and wall times alike),
/// and small real snapshots written through a repository, for the housekeeping tests.
/// </summary>
internal static class SnapshotHistory
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A full snapshot of replica set rs0 consistent at <paramref name="second"/>; of only <paramref name="databases"/> when given.</summary>
    public static SnapshotManifest Full(string id, uint second, string replicaSet = "rs0", string[]? databases = null, bool copyOnly = false) => new()
    {
        Scope = databases is null ? null : SnapshotScope.From(new NamespaceFilter(databases)),
        CopyOnly = copyOnly,
        Id = id, Kind = SnapshotKind.Full, Status = SnapshotStatus.Complete,
        Source = new SnapshotSource { Topology = "ReplicaSet", ReplicaSetName = replicaSet },
        StartTime = At(second) - TimeSpan.FromSeconds(1), EndTime = At(second),
        ConsistentAt = new ConsistencyPoint(new OplogTimestamp(second, 1), At(second)), PointInTimeConsistent = true,
        OplogStart = new OplogTimestamp(second, 1), OplogEnd = new OplogTimestamp(second, 1),
    };

    /// <summary>A slice holding what followed <paramref name="after"/> up to <paramref name="until"/>; with a gap, what came before its first entry was lost.</summary>
    public static SnapshotManifest Slice(string id, uint after, uint until, bool gap = false, string replicaSet = "rs0") => new()
    {
        Id = id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete,
        Source = new SnapshotSource { Topology = "ReplicaSet", ReplicaSetName = replicaSet },
        StartTime = At(until) - TimeSpan.FromSeconds(1), EndTime = At(until),
        PreviousSliceEnd = new OplogTimestamp(after, 1),
        OplogStart = gap ? new OplogTimestamp(until, 0) : new OplogTimestamp(after + 1, 0),
        OplogEnd = new OplogTimestamp(until, 1),
        Gap = gap ? new OplogGap(new OplogTimestamp(after, 1), new OplogTimestamp(until, 0)) : null,
        ConsistentAt = new ConsistencyPoint(new OplogTimestamp(until, 1), At(until)),
    };

    public static DateTimeOffset At(uint second) => Epoch + TimeSpan.FromSeconds(second);

    public static List<ManifestReadResult> AsListing(IEnumerable<SnapshotManifest> manifests) =>
        manifests.Select(m => new ManifestReadResult(m.Id, m, null)).ToList();

    /// <summary>
    /// Writes a small real snapshot (one collection of <paramref name="documents"/> documents) through the repository and
    /// commits it as a backup does (files bound, counts recorded), like one taken from a standalone server (no oplog).
    /// With <paramref name="collections"/>, one such collection of each name in database shop.
    /// </summary>
    public static async Task<SnapshotManifest> WriteAsync(ISnapshotRepository repository, string id, int documents,
        Compression compression = Compression.Gzip, IReadOnlyList<string>? collections = null)
    {
        var manifest = Full(id, 1000);
        manifest.Compression = compression;
        manifest.StartTime = manifest.EndTime = DateTimeOffset.UtcNow;
        (manifest.ConsistentAt, manifest.PointInTimeConsistent, manifest.OplogStart, manifest.OplogEnd) = (null, false, null, null);
        foreach (var collection in collections ?? ["items"])
        {
            var metadata = new CollectionMetadata { CollectionName = collection };
            manifest.Files.Add(await WriteFileAsync(repository, id, DumpLayout.MetadataFile("shop", collection, compression), compression,
                s => s.Write(System.Text.Encoding.UTF8.GetBytes(metadata.ToDumpJson()))));
            long bytes = 0;
            manifest.Files.Add(await WriteFileAsync(repository, id, DumpLayout.DataFile("shop", collection, compression), compression, s =>
            {
                for (var i = 0; i < documents; i++)
                {
                    var bson = new BsonDocument { { "_id", i }, { "name", $"item {i}" }, { "tags", new BsonArray { "a", "b" } } }.ToBson();
                    s.Write(bson);
                    bytes += bson.Length;
                }
            }));
            manifest.Namespaces.Add(new ManifestNamespace("shop", collection, "collection", documents, bytes));
        }
        // Committed as PendingSnapshot commits a new snapshot's manifest (this one keeps the id it was given).
        SnapshotCommit.Prepare(manifest, null);
        await repository.CommitNewManifestAsync(manifest, CancellationToken.None);
        return manifest;
    }

    private static async Task<ManifestFile> WriteFileAsync(ISnapshotRepository repository, string id, string path, Compression compression, Action<Stream> write)
    {
        var writer = await repository.CreateFileAsync(id, path, CancellationToken.None);
        await using (var content = CompressionCodec.WrapForWrite(writer, compression))
            write(content);
        return writer.Entry;
    }
}
