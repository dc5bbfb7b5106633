using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// A cluster snapshot read as one dump, for a restore into a replica set or standalone server: every namespace once
/// (a sharded collection's documents are each shard's, one after the other; its metadata the first shard's that holds
/// it), and the shards' oplogs merged up to the cut (<see cref="ClusterOplogMerge"/>). Each shard is read through its
/// own <see cref="SnapshotDumpReader"/> over its view (<see cref="ShardSnapshotViews"/>), so its files are checked as a
/// replica-set snapshot's are; a namespace damaged on any shard fails whole.
/// </summary>
public sealed class ClusterSnapshotReader : IDumpReader
{
    private readonly string _location;
    private readonly IReadOnlyList<SnapshotDumpReader> _shards;
    private readonly Dictionary<string, List<(SnapshotDumpReader Reader, DumpNamespace Ns)>> _parts;
    private readonly IAsyncDisposable? _hold;
    private readonly (ISnapshotRepository Repository, SnapshotManifest Manifest) _snapshot;

    private ClusterSnapshotReader(string location, IReadOnlyList<SnapshotDumpReader> shards, IAsyncDisposable? hold,
        (ISnapshotRepository, SnapshotManifest) snapshot)
    {
        _location = location;
        _snapshot = snapshot;
        _shards = shards;
        _hold = hold;
        _parts = shards.SelectMany(r => r.Namespaces.Select(ns => (Reader: r, Ns: ns)))
            .GroupBy(p => p.Ns.FullName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Namespaces = _parts.Values.Select(Merged).OrderBy(n => n.FullName, StringComparer.Ordinal).ToList();
    }

    /// <summary>"cluster snapshot ID in LOCATION", for messages.</summary>
    public string Location => _location;
    /// <summary>Every namespace of any shard, once, by name.</summary>
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    /// <summary>Always: every shard saved its oplog to the cut.</summary>
    public bool HasOplog => true;

    /// <summary>Opens every shard of <paramref name="manifest"/> (a checked cluster manifest), each shard's files checked first as <paramref name="verifyFirst"/> says.</summary>
    /// <param name="hold">Released when the reader is disposed (a read lease on the snapshot), or null.</param>
    public static async Task<ClusterSnapshotReader> OpenAsync(ISnapshotRepository repository, SnapshotManifest manifest,
        Func<ManifestFile, bool>? verifyFirst, bool verify, IAsyncDisposable? hold, CancellationToken ct)
    {
        var readers = new List<SnapshotDumpReader>();
        try
        {
            foreach (var view in ShardSnapshotViews.Of(manifest))
            {
                var damaged = verify ? await SnapshotIntegrity.FindDamagedAsync(repository, view, null, ct, verifyFirst) : null;
                readers.Add(await SnapshotDumpReader.OpenAsync(repository, view, null, ct, damaged));
            }
        }
        catch
        {
            foreach (var reader in readers) await reader.DisposeAsync();
            throw;
        }
        return new ClusterSnapshotReader($"cluster snapshot {manifest.Id} in {repository.Location}", readers, hold, (repository, manifest));
    }

    /// <summary>How the source was sharded (its config metadata), for a restore into a sharded cluster.</summary>
    /// <exception cref="CorruptDumpException">A metadata file is missing or damaged.</exception>
    public Task<ClusterShardingMetadata> ReadShardingAsync(CancellationToken ct) =>
        ClusterShardingMetadata.ReadAsync(_snapshot.Repository, _snapshot.Manifest, ct);

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

    private async IAsyncEnumerable<DocumentBlock> ReadAllShardsAsync(DumpNamespace ns, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var (reader, part) in _parts[ns.FullName])
            await foreach (var block in reader.ReadDataAsync(part, ct))
                yield return block;
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
