using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Reads a snapshot straight from its repository (a folder or an object store), guided by its manifest: the
/// namespaces from its metadata files (see <see cref="SnapshotNamespaces"/>; one whose metadata, files or manifest
/// entries are damaged is listed with its <see cref="DumpNamespace.Damage"/> so that it alone fails), the documents
/// streamed from its data files, each file checked against the size and SHA-256 the manifest recorded, each
/// namespace's documents and bytes against the counts it recorded, and the oplog against the range it recorded.
/// </summary>
public sealed class SnapshotDumpReader : IDumpReader
{
    private readonly ISnapshotRepository _repository;
    private readonly SnapshotManifest _manifest;
    private readonly DataKey? _dataKey;
    private readonly IAsyncDisposable? _hold;
    private readonly Dictionary<string, ManifestFile> _dataFiles;
    private readonly Dictionary<string, ManifestNamespace> _recorded;
    private readonly CorruptDumpException? _oplogDamage;
    private readonly bool _oplogVerified;

    private SnapshotDumpReader(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, List<DumpNamespace> namespaces,
        CorruptDumpException? oplogDamage, bool oplogVerified, IAsyncDisposable? hold)
    {
        _oplogVerified = oplogVerified;
        _repository = repository;
        _manifest = manifest;
        _dataKey = dataKey;
        _hold = hold;
        _oplogDamage = oplogDamage;
        _recorded = manifest.Namespaces.GroupBy(n => n.FullName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _dataFiles = SnapshotNamespaces.DataFiles(manifest);
        Namespaces = namespaces;
    }

    /// <summary>How the snapshot is named in messages: "snapshot ID in LOCATION".</summary>
    public string Location => $"snapshot {_manifest.Id} in {_repository.Location}";
    /// <summary>The snapshot's id.</summary>
    public string? SnapshotId => _manifest.Id;
    /// <summary>The namespaces the manifest binds, with their metadata read (see <see cref="SnapshotNamespaces"/>).</summary>
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    /// <summary>Whether the snapshot holds an oplog file (a full backup of a replica set, or a slice).</summary>
    public bool HasOplog => _manifest.Files.Any(f => f.Kind == ManifestFileKind.Oplog);

    /// <param name="damaged">Files already found damaged (see <see cref="SnapshotIntegrity.FindDamagedAsync"/>), by manifest path.</param>
    /// <param name="hold">Released when the reader is disposed (a read lease on the snapshot), or null.</param>
    /// <summary>Opens a complete snapshot to be read: its namespaces' metadata is read now, data when asked.</summary>
    /// <param name="repository">Where the snapshot is.</param>
    /// <param name="manifest">Its manifest, already checked (and its seal proven when encrypted).</param>
    /// <param name="dataKey">Its data key (owned by the reader from now on), or null when it is not encrypted.</param>
    /// <param name="ct">Cancels the reading of metadata.</param>
    /// <exception cref="CorruptDumpException">A metadata file is damaged (naming the file and the byte offset).</exception>
    public static async Task<SnapshotDumpReader> OpenAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        CancellationToken ct, IReadOnlyDictionary<string, CorruptDumpException>? damaged = null, IAsyncDisposable? hold = null)
    {
        // Whoever checked files first checked the oplog among them (RestoreSource.VerifiedFirst: in every case).
        var oplogVerified = damaged is not null;
        damaged ??= new Dictionary<string, CorruptDumpException>();
        var namespaces = await SnapshotNamespaces.ListAsync(repository, manifest, dataKey, damaged, ct);
        var oplog = manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog);
        return new SnapshotDumpReader(repository, manifest, dataKey, namespaces, oplog is null ? null : damaged.GetValueOrDefault(oplog.Path),
            oplogVerified, hold);
    }

    /// <summary>The documents the manifest records for a namespace of this snapshot (null for one it does not list).</summary>
    public long? RecordedDocuments(DumpNamespace ns) => _recorded.GetValueOrDefault(ns.FullName)?.Documents;

    /// <summary>Reads the chosen namespaces' data files, up to <paramref name="maxParallel"/> at once, handing each namespace's blocks of raw documents to <paramref name="consume"/>; each file's size and SHA-256 are checked against the manifest at its end.</summary>
    /// <exception cref="CorruptDumpException">From the blocks of a damaged file (its name and the byte offset).</exception>
    public async Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, int maxParallel, CancellationToken ct)
    {
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (ns, token) => await consume(ns, ReadDataAsync(ns, token)));
    }

    /// <summary>This snapshot's oplog entries as raw BSON, checked at the end against its manifest (see the static overload).</summary>
    /// <exception cref="CorruptDumpException">The oplog file is damaged or disagrees with the manifest.</exception>
    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) =>
        _oplogDamage is not null ? Throw(_oplogDamage) : ReadOplogAsync(_repository, _manifest, _dataKey, ct);

    /// <summary>
    /// The oplog whole before a replay applies any of it: its size and SHA-256 were checked before the restore (the damage
    /// found then is thrown); when they were not (opened without that check), it is read to its end and checked now.
    /// </summary>
    /// <exception cref="CorruptDumpException">The oplog file is damaged or disagrees with the manifest.</exception>
    public async Task VerifyOplogAsync(CancellationToken ct)
    {
        if (_oplogDamage is not null) throw _oplogDamage;
        if (_oplogVerified) return;
        await foreach (var _ in ReadOplogAsync(ct)) { }
    }

    /// <summary>Whether <see cref="VerifyOplogAsync"/> reads <see cref="ReadOplogAsync"/> to its end: when its file was not checked before, or found damaged then.</summary>
    public bool OplogCheckReadsEntries => !_oplogVerified && _oplogDamage is null;

    /// <summary>A snapshot's oplog entries, checked at the end against the range and count its manifest records.</summary>
    public static async IAsyncEnumerable<byte[]> ReadOplogAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var file = manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog);
        if (file is null) yield break;
        var check = new OplogFileCheck(manifest, $"{manifest.Id}/{file.Path}");
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        while (await reader.ReadNextAsync(ct) is { } entry)
        {
            check.Observe(entry);
            yield return entry;
        }
        await stored.VerifyToEndAsync(ct);
        check.ThrowIfWrong();
    }

    /// <summary>Disposes the data key and releases the hold (a read lease) given when opened.</summary>
    public async ValueTask DisposeAsync()
    {
        _dataKey?.Dispose();
        if (_hold is not null) await _hold.DisposeAsync();
    }

    /// <summary>
    /// A namespace's documents, in blocks, from the data file the manifest binds to it, then the file's size and SHA-256
    /// and their count and bytes against what it records (a namespace without a data file, a view, records none). Both
    /// are known only at the end, after the documents went on: the restore takes back what it wrote when they are wrong.
    /// </summary>
    internal async IAsyncEnumerable<DocumentBlock> ReadDataAsync(DumpNamespace ns, [EnumeratorCancellation] CancellationToken ct)
    {
        long documents = 0, bytes = 0;
        var file = _dataFiles.GetValueOrDefault(ns.FullName);
        if (file is not null)
        {
            await using var stored = await SnapshotFileReader.OpenAsync(_repository, _manifest, file, _dataKey, ct);
            using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
            await foreach (var block in reader.ReadBlocksAsync(ct))
            {
                documents += block.Count;
                bytes += block.Length;
                yield return block;
            }
            await stored.VerifyToEndAsync(ct);
        }
        if (_recorded.GetValueOrDefault(ns.FullName) is { } recorded && (documents != recorded.Documents || bytes != recorded.Bytes))
        {
            var where = file is null ? $"{_manifest.Id} has no data file for {ns.FullName}, so it holds" : $"'{_manifest.Id}/{file.Path}' holds";
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"{where} {documents:N0} documents ({bytes:N0} bytes) of {ns.FullName}; its manifest records {recorded.Documents:N0} documents " +
                $"({recorded.Bytes:N0} bytes).", target: file is null ? _manifest.Id : $"{_manifest.Id}/{file.Path}");
        }
    }

    private static async IAsyncEnumerable<byte[]> Throw(CorruptDumpException damage)
    {
        await Task.CompletedTask;
        throw damage;
#pragma warning disable CS0162 // an iterator needs a yield to be one
        yield break;
#pragma warning restore CS0162
    }
}
