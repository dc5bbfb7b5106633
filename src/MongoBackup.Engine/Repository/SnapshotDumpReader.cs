using System.Runtime.CompilerServices;
using System.Text;
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
            var database = DumpNames.UnescapeDatabase(file.Path[..file.Path.IndexOf('/')]);
            exact.TryGetValue(DumpLayout.ExactMetadataFileBeside(file.Path), out var exactFile);
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
            var collection = metadata?.CollectionName is { Length: > 0 } name ? name
                : named.GetValueOrDefault(file.Path) ?? StemOf(file.Path);
            var ns = new DumpNamespace(database, collection, metadata, display) { Damage = damage };
            if (ns.Damage is null && DataFileOf(ns, manifest) is { } data && damaged.TryGetValue(data, out var dataDamage))
                ns = ns with { Damage = new NamespaceDamage(dataDamage.File, dataDamage.Message) };
            namespaces.Add(ns);
        }
        var oplog = manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog);
        return new SnapshotDumpReader(repository, manifest, dataKey, namespaces, oplog is null ? null : damaged.GetValueOrDefault(oplog.Path));
    }

    public async Task ReadAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<byte[]>, Task> consume, int maxParallel, CancellationToken ct)
    {
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel), CancellationToken = ct },
            async (ns, token) => await consume(ns, ReadFileAsync(_files.GetValueOrDefault(DataFileOf(ns, _manifest) ?? ""), token)));
    }

    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) =>
        _oplogDamage is not null ? Throw(_oplogDamage) : ReadFileAsync(_manifest.Files.FirstOrDefault(f => f.Kind == ManifestFileKind.Oplog), ct);

    public ValueTask DisposeAsync()
    {
        _dataKey?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string? DataFileOf(DumpNamespace ns, SnapshotManifest manifest)
    {
        var collection = ns.Metadata?.IsTimeseries == true ? "system.buckets." + ns.Collection : ns.Collection;
        var path = DumpLayout.DataFile(ns.Database, collection, manifest.Compression);
        return manifest.Files.Any(f => f.Path == path) ? path : null;
    }

    // The collection of a metadata file whose content cannot be read and that the manifest does not list: its unescaped
    // file name (or the shortened name itself), so the failure still names something the user can find.
    private static string StemOf(string path)
    {
        var name = path[(path.IndexOf('/') + 1)..];
        var stem = name[..name.LastIndexOf(DumpLayout.MetadataExtension, StringComparison.Ordinal)];
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

    private async IAsyncEnumerable<byte[]> ReadFileAsync(ManifestFile? file, [EnumeratorCancellation] CancellationToken ct)
    {
        if (file is null) yield break; // a view, or a namespace without data
        await using var stored = await SnapshotFileReader.OpenAsync(_repository, _manifest, file, _dataKey, ct);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        while (await reader.ReadNextAsync(ct) is { } document)
            yield return document;
        await stored.VerifyToEndAsync(ct);
    }

    private static async Task<string> ReadTextAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(repository, manifest, file, dataKey, ct));

    private static async Task<byte[]> ReadBytesAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct)
    {
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        using var content = new MemoryStream();
        try
        {
            await stored.Content.CopyToAsync(content, ct);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            throw new CorruptDumpException(stored.DisplayName, content.Length, $"the compressed data is damaged: {e.Message}", e);
        }
        await stored.VerifyToEndAsync(ct);
        return content.ToArray();
    }
}
