using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Reads a snapshot straight from its repository (a folder or an object store), guided by its manifest:
/// the namespaces from its metadata files (the exact BSON metadata where the snapshot kept one), the documents
/// streamed from its data files, each file checked against the size and SHA-256 the manifest recorded. A namespace
/// whose metadata cannot be read, or whose files were found damaged, is listed with its <see cref="DumpNamespace.Damage"/>
/// so that it alone fails.
/// </summary>
public sealed class SnapshotDumpReader : IDumpReader
{
    private readonly ISnapshotRepository _repository;
    private readonly SnapshotManifest _manifest;
    private readonly DataKey? _dataKey;
    private readonly Dictionary<string, ManifestFile> _files;
    private readonly CorruptDumpException? _oplogDamage;

    private SnapshotDumpReader(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, List<DumpNamespace> namespaces,
        CorruptDumpException? oplogDamage)
    {
        _repository = repository;
        _manifest = manifest;
        _dataKey = dataKey;
        _files = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        _oplogDamage = oplogDamage;
        Namespaces = namespaces;
    }

    public string Location => $"snapshot {_manifest.Id} in {_repository.Location}";
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    public bool HasOplog => _manifest.Files.Any(f => f.Kind == ManifestFileKind.Oplog);

    /// <param name="damaged">Files already found damaged (see <see cref="SnapshotIntegrity.FindDamagedAsync"/>), by manifest path.</param>
    public static async Task<SnapshotDumpReader> OpenAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        CancellationToken ct, IReadOnlyDictionary<string, CorruptDumpException>? damaged = null)
    {
        damaged ??= new Dictionary<string, CorruptDumpException>();
        var named = manifest.Namespaces.ToDictionary(
            n => DumpLayout.MetadataFile(n.Database, n.Collection, manifest.Compression), n => n.Collection, StringComparer.Ordinal);
        var exact = manifest.Files.Where(f => f.Kind == ManifestFileKind.ExactMetadata).ToDictionary(f => f.Path, StringComparer.Ordinal);
        var namespaces = new List<DumpNamespace>();
        foreach (var file in manifest.Files.Where(f => f.Kind == ManifestFileKind.Metadata).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var display = $"{manifest.Id}/{file.Path}";
            var database = DatabaseOf(manifest, file);
            var exactFile = DumpLayout.ExactMetadataFileBeside(file.Path) is { } beside ? exact.GetValueOrDefault(beside) : null;
            var source = exactFile ?? file;
            CollectionMetadata? metadata = null;
            NamespaceDamage? damage = null;
            if (damaged.TryGetValue(source.Path, out var broken)) damage = new NamespaceDamage(broken.File, broken.Message);
            else
            {
                try
                {
                    metadata = exactFile is null
                        ? CollectionMetadata.Parse(await ReadTextAsync(repository, manifest, file, dataKey, ct), display)
                        : CollectionMetadata.FromBson(await ReadBytesAsync(repository, manifest, exactFile, dataKey, ct), $"{manifest.Id}/{exactFile.Path}");
                }
                catch (Exception e) when (e is InvalidDataException or CorruptDumpException)
                {
                    damage = new NamespaceDamage(display, e.Message);
                }
            }
            // The manifest binds each metadata file to the collection it records: metadata that names another (tampered,
            // or a file put in another's place) would restore this collection's documents under that one's name.
            var recorded = named.GetValueOrDefault(file.Path);
            if (recorded is not null && metadata?.CollectionName is { Length: > 0 } claimed && claimed != recorded)
            {
                var problem = new CorruptDumpException(display, $"it names the collection '{claimed}', but the manifest records it as the metadata of '{recorded}'");
                (metadata, damage) = (null, new NamespaceDamage(problem.File, problem.Message));
            }
            var collection = recorded ?? (metadata?.CollectionName is { Length: > 0 } name ? name : StemOf(file.Path));
            var ns = new DumpNamespace(database, collection, metadata, display) { Damage = damage };
            namespaces.Add(ns.Damage is null ? ns with { Damage = DataDamage(ns, manifest, damaged) } : ns);
        }
        // Every namespace the backup recorded has its metadata file: one the manifest no longer lists would otherwise
        // vanish from the restore without a word. It fails alone, named.
        var found = namespaces.Select(n => n.FullName).ToHashSet(StringComparer.Ordinal);
        var manifestFile = $"{manifest.Id}/{SnapshotManifest.FileName}";
        foreach (var lost in manifest.Namespaces.Where(n => !found.Contains(n.Database + "." + n.Collection)))
        {
            var problem = new CorruptDumpException(manifestFile,
                $"it records the namespace {lost.Database}.{lost.Collection} but lists no metadata file for it: the manifest was changed or damaged");
            namespaces.Add(new DumpNamespace(lost.Database, lost.Collection, null, manifestFile) { Damage = new NamespaceDamage(problem.File, problem.Message) });
        }
        var oplog = manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog);
        return new SnapshotDumpReader(repository, manifest, dataKey, namespaces, oplog is null ? null : damaged.GetValueOrDefault(oplog.Path));
    }

    public async Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, int maxParallel, CancellationToken ct)
    {
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (ns, token) => await consume(ns, ReadNamespaceAsync(ns, token)));
    }

    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) =>
        _oplogDamage is not null ? Throw(_oplogDamage) : ReadEntriesAsync(_manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog), ct);

    public ValueTask DisposeAsync()
    {
        _dataKey?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// What is wrong with a collection's data file, known before any document is read: found damaged by the check
    /// before the restore, or not listed at all. A backup writes a data file for every collection, even an empty one,
    /// so a manifest that lists none has lost it: reading the collection as empty would restore it half-way unseen.
    /// </summary>
    private static NamespaceDamage? DataDamage(DumpNamespace ns, SnapshotManifest manifest, IReadOnlyDictionary<string, CorruptDumpException> damaged)
    {
        if (DataPathOf(ns, manifest) is not { } path) return null;
        var problem = damaged.GetValueOrDefault(path) ?? (manifest.Files.Any(f => f.Path == path) ? null : DataFileNotListed(manifest, ns, path));
        return problem is null ? null : new NamespaceDamage(problem.File, problem.Message);
    }

    private static CorruptDumpException DataFileNotListed(SnapshotManifest manifest, DumpNamespace ns, string path) =>
        new($"{manifest.Id}/{SnapshotManifest.FileName}",
            $"it lists no data file for the collection {ns.FullName} ('{path}'): the manifest was changed or damaged");

    private static string? DataPathOf(DumpNamespace ns, SnapshotManifest manifest) =>
        RecordedNamespaceFiles.DataFile(ns.Database, ns.Collection, ns.Metadata?.Type ?? CollectionMetadata.CollectionType, manifest.Compression);

    /// <summary>A collection's documents; its data file must be listed (see <see cref="DataDamage"/>), or this namespace fails.</summary>
    private async IAsyncEnumerable<DocumentBlock> ReadNamespaceAsync(DumpNamespace ns, [EnumeratorCancellation] CancellationToken ct)
    {
        if (DataPathOf(ns, _manifest) is not { } path) yield break; // a view
        var file = _files.GetValueOrDefault(path) ?? throw DataFileNotListed(_manifest, ns, path);
        await using var stored = await SnapshotFileReader.OpenAsync(_repository, _manifest, file, _dataKey, ct);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        await foreach (var block in reader.ReadBlocksAsync(ct)) yield return block;
        // The file's size and SHA-256 are known only at its end: the restore takes back what it wrote if they are wrong.
        await stored.VerifyToEndAsync(ct);
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

    // The collection of a metadata file whose content cannot be read and that the manifest does not list: its unescaped
    // file name (or the shortened name itself, or the whole name when a damaged manifest gives it no metadata
    // extension), so the failure still names something the user can find.
    private static string StemOf(string path)
    {
        var name = path[(path.IndexOf('/') + 1)..];
        var end = name.LastIndexOf(DumpLayout.MetadataExtension, StringComparison.Ordinal);
        var stem = end < 0 ? name : name[..end];
        try { return DumpNames.UnescapeCollection(stem); }
        catch (Exception e) when (e is ArgumentException or FormatException) { return stem; }
    }

    private static async IAsyncEnumerable<byte[]> Throw(CorruptDumpException damage)
    {
        await Task.CompletedTask;
        throw damage;
#pragma warning disable CS0162 // an iterator needs a yield to be one
        yield break;
#pragma warning restore CS0162
    }

    private async IAsyncEnumerable<byte[]> ReadEntriesAsync(ManifestFile? file, [EnumeratorCancellation] CancellationToken ct)
    {
        if (file is null) yield break; // no oplog
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

    /// <summary>The exact BSON metadata: one document, so never more than <see cref="MetadataText.MaxBytes"/>.</summary>
    private static async Task<byte[]> ReadBytesAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct)
    {
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        var bytes = await MetadataText.ReadExactAsync(stored.Content, stored.DisplayName, ct);
        await stored.VerifyToEndAsync(ct);
        return bytes;
    }
}
