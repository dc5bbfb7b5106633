using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The namespaces of a snapshot, as a restore lists them: one per metadata file (read from the exact BSON metadata
/// where the snapshot kept one), named as its manifest binds it, plus any the manifest records without a metadata file.
/// A namespace whose metadata cannot be read or names another collection, whose files were found damaged, or whose
/// manifest entries do not hold together (<see cref="ManifestChecks"/>) carries its <see cref="DumpNamespace.Damage"/>
/// so that it alone fails.
/// </summary>
internal static class SnapshotNamespaces
{
    /// <summary>The namespaces the manifest binds, each with its metadata read and checked.</summary>
    /// <param name="repository">Where the snapshot is.</param>
    /// <param name="manifest">Its manifest.</param>
    /// <param name="dataKey">Its data key, or null.</param>
    /// <param name="ct">Cancels the reads.</param>
    /// <param name="damaged">Files already found damaged (see <see cref="SnapshotIntegrity.FindDamagedAsync"/>), by manifest path.</param>
    public static async Task<List<DumpNamespace>> ListAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey,
        IReadOnlyDictionary<string, CorruptDumpException> damaged, CancellationToken ct)
    {
        var manifestFile = $"{manifest.Id}/{SnapshotManifest.FileName}";
        var entryProblems = ManifestChecks.Check(manifest).OfNamespace;
        var dataFiles = DataFiles(manifest);
        NamespaceDamage? EntryDamage(string fullName) =>
            entryProblems.TryGetValue(fullName, out var problems) ? new NamespaceDamage(manifestFile, string.Join(" ", problems)) : null;
        NamespaceDamage? DataDamage(string fullName) =>
            dataFiles.GetValueOrDefault(fullName) is { } file && damaged.GetValueOrDefault(file.Path) is { } problem
                ? new NamespaceDamage(problem.File, problem.Message) : null;

        var exact = manifest.Files.Where(f => f.Kind == ManifestFileKind.ExactMetadata).ToDictionary(f => f.Path, StringComparer.Ordinal);
        var namespaces = new List<DumpNamespace>();
        foreach (var file in manifest.Files.Where(f => f.Kind == ManifestFileKind.Metadata).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var display = $"{manifest.Id}/{file.Path}";
            var bound = ManifestBinding.NamespaceOf(file, manifest);
            var database = bound?.Database ?? DatabaseOf(manifest, file);
            var exactFile = DumpLayout.ExactMetadataFileBeside(file.Path) is { } beside ? exact.GetValueOrDefault(beside) : null;
            var (metadata, damage) = await ReadMetadataAsync(repository, manifest, file, exactFile, dataKey, damaged, ct);
            // The manifest binds each metadata file to the collection it records: metadata that names another (tampered,
            // or a file put in another's place) would restore this collection's documents under that one's name.
            if (bound is not null && metadata?.CollectionName is { Length: > 0 } claimed && claimed != bound.Collection)
            {
                var problem = new CorruptDumpException(display, $"it names the collection '{claimed}', but the manifest records it as the metadata of '{bound.Collection}'");
                (metadata, damage) = (null, new NamespaceDamage(problem.File, problem.Message));
            }
            var collection = bound?.Collection ?? (metadata?.CollectionName is { Length: > 0 } name ? name : StemOf(LayoutFiles.LayoutPathOf(file.Path)));
            var ns = new DumpNamespace(database, collection, metadata, display);
            namespaces.Add(ns with { Damage = damage ?? EntryDamage(ns.FullName) ?? DataDamage(ns.FullName) });
        }
        // Every namespace the backup recorded has its metadata file: one the manifest no longer lists would otherwise
        // vanish from the restore without a word. It fails alone, named.
        var found = namespaces.Select(n => n.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var lost in manifest.Namespaces.Where(n => !found.Contains(n.FullName)))
            namespaces.Add(new DumpNamespace(lost.Database, lost.Collection, null, manifestFile)
            {
                Damage = EntryDamage(lost.FullName) ?? new NamespaceDamage(manifestFile,
                    $"'{manifestFile}' records the namespace {lost.FullName} but lists no metadata file for it: the manifest was changed or damaged."),
            });
        return namespaces;
    }

    /// <summary>Each namespace's data file, by "database.collection", as the manifest binds them (the first, where a damaged one binds two).</summary>
    public static Dictionary<string, ManifestFile> DataFiles(SnapshotManifest manifest) => manifest.Files
        .Where(f => f.Kind == ManifestFileKind.Data)
        .Select(f => (File: f, Namespace: ManifestBinding.NamespaceOf(f, manifest)?.FullName))
        .Where(b => b.Namespace is not null)
        .GroupBy(b => b.Namespace!, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First().File, StringComparer.Ordinal);

    private static async Task<(CollectionMetadata?, NamespaceDamage?)> ReadMetadataAsync(ISnapshotRepository repository, SnapshotManifest manifest,
        ManifestFile file, ManifestFile? exactFile, DataKey? dataKey, IReadOnlyDictionary<string, CorruptDumpException> damaged, CancellationToken ct)
    {
        var source = exactFile ?? file;
        if (damaged.TryGetValue(source.Path, out var broken)) return (null, new NamespaceDamage(broken.File, broken.Message));
        try
        {
            return (exactFile is null
                ? CollectionMetadata.Parse(await ReadTextAsync(repository, manifest, file, dataKey, ct), $"{manifest.Id}/{file.Path}")
                : CollectionMetadata.FromBson(await ReadBytesAsync(repository, manifest, exactFile, dataKey, ct), $"{manifest.Id}/{exactFile.Path}"), null);
        }
        catch (Exception e) when (e is InvalidDataException or CorruptDumpException)
        {
            return (null, new NamespaceDamage($"{manifest.Id}/{source.Path}", e.Message));
        }
    }

    /// <summary>The database a metadata file belongs to: the name of the folder it sits in, as a backup wrote it (in the layout, whatever the naming).</summary>
    private static string DatabaseOf(SnapshotManifest manifest, ManifestFile file)
    {
        var layoutPath = LayoutFiles.LayoutPathOf(file.Path);
        var slash = layoutPath.IndexOf('/');
        try
        {
            if (slash > 0) return DumpNames.UnescapeDatabase(layoutPath[..slash]);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CorruptDumpException($"{manifest.Id}/{file.Path}", $"its folder is not a database name: {e.Message}", e);
        }
        throw new CorruptDumpException($"{manifest.Id}/{file.Path}", "a metadata file the manifest lists is not in a database folder");
    }

    // The collection of a metadata file whose content cannot be read and that the manifest does not bind: its unescaped
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

    private static Task<string> ReadTextAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct) =>
        ReadVerifiedAsync(repository, manifest, file, dataKey, MetadataText.ReadAsync, ct);

    /// <summary>The exact BSON metadata: one document, so never more than <see cref="MetadataText.MaxBytes"/>.</summary>
    private static Task<byte[]> ReadBytesAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct) =>
        ReadVerifiedAsync(repository, manifest, file, dataKey, MetadataText.ReadExactAsync, ct);

    /// <summary>A metadata file's content, read by <paramref name="read"/>, once the whole file has been checked against its manifest entry.</summary>
    private static async Task<T> ReadVerifiedAsync<T>(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey,
        Func<Stream, string, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        var content = await read(stored.Content, stored.DisplayName, ct);
        await stored.VerifyToEndAsync(ct);
        return content;
    }
}
