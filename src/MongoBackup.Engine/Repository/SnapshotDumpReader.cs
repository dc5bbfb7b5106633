using System.Runtime.CompilerServices;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Reads a snapshot straight from its repository (a folder or an object store), guided by its manifest:
/// the namespaces from its metadata files, the documents streamed from its data files, each file checked
/// against the size and SHA-256 the manifest recorded.
/// </summary>
public sealed class SnapshotDumpReader : IDumpReader
{
    private readonly ISnapshotRepository _repository;
    private readonly SnapshotManifest _manifest;
    private readonly DataKey? _dataKey;
    private readonly Dictionary<string, ManifestFile> _files;

    private SnapshotDumpReader(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, List<DumpNamespace> namespaces)
    {
        _repository = repository;
        _manifest = manifest;
        _dataKey = dataKey;
        _files = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        Namespaces = namespaces;
    }

    public string Location => $"snapshot {_manifest.Id} in {_repository.Location}";
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    public bool HasOplog => _manifest.Files.Any(f => f.Kind == ManifestFileKind.Oplog);

    public static async Task<SnapshotDumpReader> OpenAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        var namespaces = new List<DumpNamespace>();
        foreach (var file in manifest.Files.Where(f => f.Kind == ManifestFileKind.Metadata).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var json = await ReadTextAsync(repository, manifest, file, dataKey, ct);
            var metadata = CollectionMetadata.Parse(json, $"{manifest.Id}/{file.Path}");
            var database = DatabaseOf(manifest, file);
            namespaces.Add(new DumpNamespace(database, metadata.CollectionName, metadata, $"{manifest.Id}/{file.Path}"));
        }
        // Every namespace the backup recorded has its metadata file: one the manifest no longer lists would otherwise
        // vanish from the restore without a word.
        var found = namespaces.Select(n => n.FullName).ToHashSet(StringComparer.Ordinal);
        if (manifest.Namespaces.FirstOrDefault(n => !found.Contains(n.Database + "." + n.Collection)) is { } lost)
            throw new CorruptDumpException($"{manifest.Id}/{SnapshotManifest.FileName}",
                $"it records the namespace {lost.Database}.{lost.Collection} but lists no metadata file for it: the manifest was changed or damaged");
        return new SnapshotDumpReader(repository, manifest, dataKey, namespaces);
    }

    /// <summary>The database a metadata file belongs to: the name of the folder it sits in, as a backup wrote it.</summary>
    private static string DatabaseOf(SnapshotManifest manifest, ManifestFile file)
    {
        var slash = file.Path.IndexOf('/');
        try
        {
            if (slash > 0) return DumpNames.UnescapeDatabase(file.Path[..slash]);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CorruptDumpException($"{manifest.Id}/{file.Path}", $"its folder is not a database name: {e.Message}", e);
        }
        throw new CorruptDumpException($"{manifest.Id}/{file.Path}", "a metadata file the manifest lists is not in a database folder");
    }

    public async Task ReadAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<byte[]>, Task> consume, int maxParallel, CancellationToken ct)
    {
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (ns, token) => await consume(ns, ReadNamespaceAsync(ns, token)));
    }

    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) =>
        ReadFileAsync(_manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog), ct);

    public ValueTask DisposeAsync()
    {
        _dataKey?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The data file of a collection; null for a view. A backup writes one for every collection, even an empty one, so
    /// a manifest that lists none has lost it: reading the collection as empty would restore it half-way unseen.
    /// </summary>
    private ManifestFile? DataFileOf(DumpNamespace ns)
    {
        if (ns.Metadata?.IsView == true) return null;
        var collection = ns.Metadata?.IsTimeseries == true ? "system.buckets." + ns.Collection : ns.Collection;
        var path = DumpLayout.DataFile(ns.Database, collection, _manifest.Compression);
        return _files.GetValueOrDefault(path)
               ?? throw new CorruptDumpException($"{_manifest.Id}/{SnapshotManifest.FileName}",
                   $"it lists no data file for the collection {ns.FullName} ('{path}'): the manifest was changed or damaged");
    }

    // The data file is looked up as the documents are read, so a missing one fails this namespace alone.
    private async IAsyncEnumerable<byte[]> ReadNamespaceAsync(DumpNamespace ns, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var document in ReadFileAsync(DataFileOf(ns), ct)) yield return document;
    }

    private async IAsyncEnumerable<byte[]> ReadFileAsync(ManifestFile? file, [EnumeratorCancellation] CancellationToken ct)
    {
        if (file is null) yield break; // a view, or a namespace without data
        await using var stored = await SnapshotFileReader.OpenAsync(_repository, _manifest, file, _dataKey, ct);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        while (await reader.ReadNextAsync(ct) is { } document)
            yield return document;
        await stored.VerifyToEndAsync(ct);
    }

    private static async Task<string> ReadTextAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct)
    {
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        var json = await MetadataText.ReadAsync(stored.Content, stored.DisplayName, ct);
        await stored.VerifyToEndAsync(ct);
        return json;
    }
}
