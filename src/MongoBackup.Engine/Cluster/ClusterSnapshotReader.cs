using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A cluster snapshot read as one dump, for a restore into a replica set or standalone server: every namespace once
/// (a sharded collection's documents are each shard's, one after the other; its metadata the first shard's that holds
/// it), and the shards' oplogs merged up to the cut (<see cref="ClusterOplogMerge"/>). Each shard is read through its
/// own <see cref="SnapshotDumpReader"/> over its view (<see cref="ShardSnapshotViews"/>), so its files are checked as a
/// replica-set snapshot's are; a namespace damaged on any shard fails whole. A sharded collection's documents are kept
/// only from the shard that owned their chunk at the cut (<see cref="ChunkOwnership"/>): a migration's orphans on its donor,
/// or a recipient's copy of one that did not commit, are left out, so no document is restored twice or from a stale copy.
/// </summary>
public sealed class ClusterSnapshotReader : IDumpReader
{
    private readonly string _location;
    private readonly IReadOnlyList<SnapshotDumpReader> _shards;
    private readonly Dictionary<SnapshotDumpReader, string> _shardNames;
    private readonly ChunkOwnership _ownership;
    private readonly Dictionary<string, List<(SnapshotDumpReader Reader, DumpNamespace Ns)>> _parts;
    private readonly IAsyncDisposable? _hold;
    private readonly (ISnapshotRepository Repository, SnapshotManifest Manifest, Security.DataKey? DataKey) _snapshot;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _orphans = new(StringComparer.Ordinal);

    private ClusterSnapshotReader(string location, IReadOnlyList<(SnapshotDumpReader Reader, string Name)> shards, ChunkOwnership ownership, IAsyncDisposable? hold,
        (ISnapshotRepository, SnapshotManifest, Security.DataKey?) snapshot)
    {
        _location = location;
        _snapshot = snapshot;
        _shards = shards.Select(s => s.Reader).ToList();
        _shardNames = shards.ToDictionary(s => s.Reader, s => s.Name);
        _ownership = ownership;
        _hold = hold;
        _parts = _shards.SelectMany(r => r.Namespaces.Select(ns => (Reader: r, Ns: ns)))
            .GroupBy(p => p.Ns.FullName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Namespaces = _parts.Values.Select(Merged).OrderBy(n => n.FullName, StringComparer.Ordinal).ToList();
    }

    /// <summary>"cluster snapshot ID in LOCATION", for messages.</summary>
    public string Location => _location;
    /// <summary>The cluster snapshot's id.</summary>
    public string? SnapshotId => _snapshot.Manifest.Id;
    /// <summary>Every namespace of any shard, once, by name.</summary>
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    /// <summary>Always: every shard saved its oplog to the cut.</summary>
    public bool HasOplog => true;

    /// <summary>Opens every shard of <paramref name="manifest"/> (a checked cluster manifest), each shard's files checked first as <paramref name="verifyFirst"/> says.</summary>
    /// <param name="dataKey">The snapshot's data key (every shard's files are under it), owned by the reader from now on; null when it is not encrypted.</param>
    /// <param name="hold">Released when the reader is disposed (a read lease on the snapshot), or null.</param>
    public static async Task<ClusterSnapshotReader> OpenAsync(ISnapshotRepository repository, SnapshotManifest manifest, Security.DataKey? dataKey,
        Func<ManifestFile, bool>? verifyFirst, bool verify, IAsyncDisposable? hold, CancellationToken ct)
    {
        var readers = new List<(SnapshotDumpReader, string)>();
        try
        {
            foreach (var (view, shard) in ShardSnapshotViews.Of(manifest).Zip(manifest.Cluster!.Shards))
            {
                var damaged = verify ? await SnapshotIntegrity.FindDamagedAsync(repository, view, dataKey, ct, verifyFirst) : null;
                // The readers share the key; each disposes it when closed (zeroing it twice does no harm), once all are read.
                readers.Add((await SnapshotDumpReader.OpenAsync(repository, view, dataKey, ct, damaged), shard.Name));
            }
            // The cluster's admin (users and roles, admin's own collections), saved from the config servers: read as one more part without an oplog.
            if (ShardSnapshotViews.ConfigServerAdmin(manifest) is { } users)
            {
                var damaged = verify ? await SnapshotIntegrity.FindDamagedAsync(repository, users, dataKey, ct, verifyFirst) : null;
                readers.Add((await SnapshotDumpReader.OpenAsync(repository, users, dataKey, ct, damaged), manifest.Cluster.MetadataFolder));
            }
            var ownership = await ChunkOwnership.ReadAsync(repository, manifest, dataKey, ct);
            return new ClusterSnapshotReader($"cluster snapshot {manifest.Id} in {repository.Location}", readers, ownership, hold, (repository, manifest, dataKey));
        }
        catch
        {
            foreach (var (reader, _) in readers) await reader.DisposeAsync();
            dataKey?.Dispose();
            throw;
        }
    }

    /// <summary>How the source was sharded (its config metadata), for a restore into a sharded cluster; read before the shards' data (the data key is the readers' until they close).</summary>
    /// <exception cref="CorruptDumpException">A metadata file is damaged.</exception>
    public Task<ClusterShardingMetadata> ReadShardingAsync(CancellationToken ct) =>
        ClusterShardingMetadata.ReadAsync(_snapshot.Repository, _snapshot.Manifest, _snapshot.DataKey, ct);

    /// <summary>Each chosen namespace's blocks from every shard holding it, one shard after the other, up to <paramref name="maxParallel"/> namespaces at once; each shard's file checked at its end.</summary>
    /// <exception cref="CorruptDumpException">From the blocks of a damaged file.</exception>
    public async Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen, Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume,
        int maxParallel, CancellationToken ct)
    {
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (ns, token) => await consume(ns, ReadAllShardsAsync(ns, token)));
    }

    /// <summary>The shards' oplogs merged to the cut (see <see cref="ClusterOplogMerge"/>), each checked against its shard's recorded range.</summary>
    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) =>
        ClusterOplogMerge.MergeAsync(_shards.Select(s => s.ReadOplogAsync(ct)).ToList(), ct);

    /// <summary>Every shard's oplog checked whole (see <see cref="SnapshotDumpReader.VerifyOplogAsync"/>) before the replay applies any entry.</summary>
    /// <exception cref="CorruptDumpException">A shard's oplog file is damaged.</exception>
    public async Task VerifyOplogAsync(CancellationToken ct)
    {
        foreach (var shard in _shards) await shard.VerifyOplogAsync(ct);
    }

    /// <summary>False: each shard's file is checked alone, not read in the merged order the replay reads.</summary>
    public bool OplogCheckReadsEntries => false;

    private async IAsyncEnumerable<DocumentBlock> ReadAllShardsAsync(DumpNamespace ns, [EnumeratorCancellation] CancellationToken ct)
    {
        var sharded = _ownership.Of(ns.FullName);
        foreach (var (reader, part) in _parts[ns.FullName])
            await foreach (var block in reader.ReadDataAsync(part, ct))
            {
                var read = block.Count;
                var kept = sharded is null ? block : OwnedOnly(block, sharded, _shardNames[reader]);
                if (kept?.Count != read) _orphans.AddOrUpdate(ns.FullName, read - (kept?.Count ?? 0), (_, n) => n + read - (kept?.Count ?? 0));
                if (kept is not null) yield return kept;
            }
    }

    /// <summary>
    /// Documents of <paramref name="ns"/> read so far and left out because their shard did not own their chunk at the cut
    /// (a migration's orphans); the manifest's counts, per shard as copied, include them.
    /// </summary>
    public long OrphansLeftOut(DumpNamespace ns) => _orphans.GetValueOrDefault(ns.FullName);

    /// <summary>The block itself when the shard owned all its documents, else a block of those it owned or null for none (the other returned to the pool).</summary>
    private static DocumentBlock? OwnedOnly(DocumentBlock block, ChunkedCollection collection, string shard)
    {
        var owned = new bool[block.Count];
        var all = true;
        for (var i = 0; i < block.Count; i++)
            all &= owned[i] = collection.Owns(shard, block.Buffer, block.OffsetOf(i), block.Document(i).Length);
        if (all) return block;
        if (!owned.Contains(true))
        {
            block.Dispose();
            return null;
        }
        using (block)
        {
            var kept = new DocumentBlock(block.Length);
            for (var i = 0; i < block.Count; i++)
                if (owned[i]) block.Document(i).Span.CopyTo(kept.Append(block.Document(i).Length));
            return kept;
        }
    }

    /// <summary>A namespace as the restore sees it: the first shard's metadata that could be read, and any shard's damage.</summary>
    private static DumpNamespace Merged(List<(SnapshotDumpReader Reader, DumpNamespace Ns)> parts)
    {
        var first = parts.Select(p => p.Ns).FirstOrDefault(n => n.Metadata is not null) ?? parts[0].Ns;
        return first with { Damage = parts.Select(p => p.Ns.Damage).FirstOrDefault(d => d is not null) };
    }

    /// <summary>Closes every shard's reader and releases the read lease.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var reader in _shards) await reader.DisposeAsync();
        if (_hold is not null) await _hold.DisposeAsync();
    }
}
