using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a manifest must say of itself to be believed, checked before anything is read or written: every file bound to
/// a namespace it lists (by name and place, in its role), every namespace with its one metadata file and, unless it is
/// a view, its one data file; an oplog range that holds together (a full snapshot consistent at the end of its saved
/// oplog; a slice that starts after the end it continues). A problem of one namespace's entries fails that namespace
/// alone; one of the manifest as a whole (its oplog range, its consistency point, a file that belongs to no namespace)
/// refuses the restore. The files' contents are checked against these as they are read (<see cref="OplogFileCheck"/>,
/// the namespace counts in <see cref="SnapshotDumpReader"/>).
/// </summary>
public static class ManifestChecks
{
    /// <summary>A consistency point's wall time and its oplog second differ by clock skew at most; years apart means an edit.</summary>
    private static readonly TimeSpan WallClockTolerance = TimeSpan.FromDays(1);

    /// <summary>Every problem found, each naming the snapshot and the file or namespace, sorted into the whole manifest's and each namespace's.</summary>
    public static ManifestProblems Check(SnapshotManifest manifest)
    {
        if (manifest.Cluster is not null) return ShardSnapshotViews.Check(manifest);
        var problems = new ManifestProblems();
        CheckFiles(manifest, problems);
        CheckNamespaces(manifest, problems);
        if (manifest.Kind == SnapshotKind.Oplog) OplogRangeChecks.CheckSlice(manifest, problems.Whole);
        else OplogRangeChecks.CheckFull(manifest, problems.Whole);
        CheckConsistencyWallTime(manifest, problems.Whole);
        return problems;
    }

    /// <summary>Every problem found, whole-manifest ones first; empty when the manifest holds together.</summary>
    public static List<string> Problems(SnapshotManifest manifest) => Check(manifest).All.ToList();

    private static void CheckFiles(SnapshotManifest manifest, ManifestProblems problems)
    {
        foreach (var file in manifest.Files)
        {
            var byName = SnapshotFileWriter.ClassifyByName(file.Path);
            // The namespace whose file of its kind sits at this path, whatever the entry says: a file moved or relabelled
            // fails that namespace too, since it would be read in its place.
            var placed = file.Kind == ManifestFileKind.Oplog ? null
                : manifest.Namespaces.FirstOrDefault(n => ManifestBinding.IsAt(file with { Kind = byName }, n, manifest.Compression));
            var ns = file.Kind == ManifestFileKind.Oplog ? null : ManifestBinding.NamespaceOf(file, manifest);
            if (byName != file.Kind)
                problems.Add(ns ?? placed, $"{Name(manifest)} records '{file.Path}' as a {Role(file.Kind)} file, but its name makes it a {Role(byName)} file.");
            // Only an encrypted snapshot stores files under encrypted names; one in a plain manifest was put there.
            if (manifest.Encryption is null && LayoutFiles.IsEncryptedName(file.Path))
                problems.Add(ns ?? placed, $"{Name(manifest)} lists '{file.Path}' under an encrypted name, but the snapshot is not encrypted.");
            if (file.Kind == ManifestFileKind.Oplog) continue;
            if (ns is null)
                problems.Add(placed, file.Namespace is { } named
                    ? $"{Name(manifest)} binds '{file.Path}' to {named}, a namespace it does not list."
                    : $"{Name(manifest)} lists '{file.Path}', which belongs to none of its namespaces.");
            else if (!ManifestBinding.IsAt(file, ns, manifest.Compression))
                problems.Add([ns, placed], $"{Name(manifest)} binds '{file.Path}' to {ns.FullName}, whose {Role(file.Kind)} file is not there " +
                    $"(it would be '{StoredPathOf(manifest, ManifestBinding.PathsOf(ns, file.Kind, manifest.Compression).FirstOrDefault())}').");
        }
    }

    private static void CheckNamespaces(SnapshotManifest manifest, ManifestProblems problems)
    {
        var filesOf = manifest.Files.Where(f => f.Kind != ManifestFileKind.Oplog)
            .ToLookup(f => ManifestBinding.NamespaceOf(f, manifest)?.FullName ?? "", StringComparer.Ordinal);
        foreach (var ns in manifest.Namespaces)
        {
            int Count(ManifestFileKind kind) => filesOf[ns.FullName].Count(f => f.Kind == kind);
            // A backup writes a metadata file for every namespace and a data file for every collection, even an empty one:
            // without them the namespace would restore empty, or be left out, unseen.
            foreach (var kind in new[] { ManifestFileKind.Metadata, ManifestFileKind.Data })
                if (Count(kind) == 0 && ManifestBinding.PathsOf(ns, kind, manifest.Compression).FirstOrDefault() is { } path)
                    problems.Add(ns, $"'{manifest.Id}/{SnapshotManifest.FileName}' records the {ns.Type} {ns.FullName} but lists no {Role(kind)} " +
                        $"file for it ('{LayoutFiles.StoredPathOf(manifest, path)}'{(kind == ManifestFileKind.Data ? $", holding its {ns.Documents:N0} documents" : "")}): the manifest was changed or damaged.");
            if (Count(ManifestFileKind.Metadata) > 1 || Count(ManifestFileKind.ExactMetadata) > 1)
                problems.Add(ns, $"{Name(manifest)} lists {ns.FullName} with more than one metadata file of a kind; it has one.");
            var data = Count(ManifestFileKind.Data);
            if (data > 1 || (data > 0 && ns.Type == CollectionMetadata.ViewType))
                problems.Add(ns, $"{Name(manifest)} lists {data} data files for {ns.FullName} ({ns.Type}).");
            if (ns.Documents < 0 || ns.Bytes < 0 || (ns.Documents == 0) != (ns.Bytes == 0))
                problems.Add(ns, $"{Name(manifest)} records {ns.Documents:N0} documents of {ns.FullName} in {ns.Bytes:N0} bytes, which cannot be.");
        }
    }

    private static void CheckConsistencyWallTime(SnapshotManifest manifest, List<string> problems)
    {
        if (manifest.ConsistentAt is not { } point) return;
        var apart = (point.WallTime - point.Timestamp.WallTime).Duration();
        if (apart > WallClockTolerance)
            problems.Add($"{Name(manifest)} is consistent at {point.Timestamp} (that is {point.Timestamp.WallTime:u}) but records the wall time " +
                $"{point.WallTime:u}, {apart.TotalDays:N0} days apart: one of them was changed.");
    }

    private static string? StoredPathOf(SnapshotManifest manifest, string? layoutPath) =>
        layoutPath is null ? null : LayoutFiles.StoredPathOf(manifest, layoutPath);

    internal static string Name(SnapshotManifest manifest) => $"The manifest of snapshot {manifest.Id}";

    internal static string Role(ManifestFileKind kind) => kind == ManifestFileKind.ExactMetadata ? "exact metadata" : kind.ToString().ToLowerInvariant();
}

/// <summary>
/// What <see cref="ManifestChecks"/> found: problems of the manifest as a whole, which refuse a restore before anything
/// is written, and problems of one namespace's entries (by "database.collection"), which fail that namespace alone.
/// </summary>
public sealed class ManifestProblems
{
    /// <summary>Problems of the manifest as a whole, each a sentence naming what is wrong.</summary>
    public List<string> Whole { get; } = [];
    /// <summary>Problems by namespace ("database.collection"), each a sentence.</summary>
    public Dictionary<string, List<string>> OfNamespace { get; } = new(StringComparer.Ordinal);

    /// <summary>Every problem once, whole-manifest ones first.</summary>
    public IEnumerable<string> All => Whole.Concat(OfNamespace.Values.SelectMany(p => p)).Distinct(StringComparer.Ordinal);

    /// <summary>A problem of these namespaces (the nulls ignored); of the whole manifest when none is given.</summary>
    internal void Add(IEnumerable<ManifestNamespace?> namespaces, string problem)
    {
        var owners = namespaces.OfType<ManifestNamespace>().Select(n => n.FullName).Distinct(StringComparer.Ordinal).ToList();
        if (owners.Count == 0) Whole.Add(problem);
        foreach (var owner in owners)
        {
            if (!OfNamespace.TryGetValue(owner, out var list)) OfNamespace[owner] = list = [];
            list.Add(problem);
        }
    }

    internal void Add(ManifestNamespace? ns, string problem) => Add([ns], problem);
}
