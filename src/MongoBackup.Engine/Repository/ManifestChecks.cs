using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a manifest must say of itself to be believed, checked before anything is read or written: every file bound to
/// a namespace it lists (by name and place, in its role), every namespace with its one metadata file and, when it
/// records documents, its one data file; an oplog range that holds together (a full snapshot consistent at the end of
/// its saved oplog; a slice that starts after the end it continues). The files' contents are checked against these as
/// they are read (<see cref="OplogFileCheck"/>, the namespace counts in <see cref="SnapshotDumpReader"/>).
/// </summary>
public static class ManifestChecks
{
    /// <summary>A consistency point's wall time and its oplog second differ by clock skew at most; years apart means an edit.</summary>
    private static readonly TimeSpan WallClockTolerance = TimeSpan.FromDays(1);

    /// <summary>Every problem found, each naming the snapshot and the file or namespace; empty when the manifest holds together.</summary>
    public static List<string> Problems(SnapshotManifest manifest)
    {
        var problems = new List<string>();
        CheckFiles(manifest, problems);
        CheckNamespaces(manifest, problems);
        if (manifest.Kind == SnapshotKind.Oplog) OplogRangeChecks.CheckSlice(manifest, problems);
        else OplogRangeChecks.CheckFull(manifest, problems);
        CheckConsistencyWallTime(manifest, problems);
        return problems;
    }

    private static void CheckFiles(SnapshotManifest manifest, List<string> problems)
    {
        foreach (var twice in manifest.Files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add($"{Name(manifest)} lists file '{twice.Key}' {twice.Count()} times.");
        foreach (var file in manifest.Files)
        {
            var byName = SnapshotFileWriter.ClassifyByName(file.Path);
            if (byName != file.Kind)
                problems.Add($"{Name(manifest)} records '{file.Path}' as a {Role(file.Kind)} file, but its name makes it a {Role(byName)} file.");
            if (file.Kind == ManifestFileKind.Oplog) continue;
            var ns = ManifestBinding.NamespaceOf(file, manifest);
            if (ns is null)
                problems.Add(file.Namespace is { } named
                    ? $"{Name(manifest)} binds '{file.Path}' to {named}, a namespace it does not list."
                    : $"{Name(manifest)} lists '{file.Path}', which belongs to none of its namespaces.");
            else if (!ManifestBinding.IsAt(file, ns, manifest.Compression))
                problems.Add($"{Name(manifest)} binds '{file.Path}' to {ns.FullName}, whose {Role(file.Kind)} file is not there " +
                    $"(it would be '{(file.Kind == ManifestFileKind.Metadata ? ManifestBinding.MetadataPath(ns, manifest.Compression) : ManifestBinding.DataPaths(ns, manifest.Compression).First())}').");
        }
    }

    private static void CheckNamespaces(SnapshotManifest manifest, List<string> problems)
    {
        foreach (var twice in manifest.Namespaces.GroupBy(n => n.FullName, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add($"{Name(manifest)} lists namespace {twice.Key} {twice.Count()} times.");
        var filesOf = manifest.Files.Where(f => f.Kind != ManifestFileKind.Oplog)
            .ToLookup(f => ManifestBinding.NamespaceOf(f, manifest)?.FullName ?? "", StringComparer.Ordinal);
        foreach (var ns in manifest.Namespaces)
        {
            var metadata = filesOf[ns.FullName].Count(f => f.Kind == ManifestFileKind.Metadata);
            var data = filesOf[ns.FullName].Count(f => f.Kind == ManifestFileKind.Data);
            if (metadata != 1)
                problems.Add($"{Name(manifest)} lists {ns.FullName} with {(metadata == 0 ? "no" : metadata.ToString())} metadata file{(metadata == 1 ? "" : "s")}; it must have one.");
            if (data > 1 || (data > 0 && ns.Type == CollectionMetadata.ViewType))
                problems.Add($"{Name(manifest)} lists {data} data files for {ns.FullName} ({ns.Type}).");
            if (ns.Documents > 0 && data == 0)
                problems.Add($"{Name(manifest)} records {ns.Documents:N0} documents of {ns.FullName} but lists no data file holding them.");
            if (ns.Documents < 0 || ns.Bytes < 0 || (ns.Documents == 0) != (ns.Bytes == 0))
                problems.Add($"{Name(manifest)} records {ns.Documents:N0} documents of {ns.FullName} in {ns.Bytes:N0} bytes, which cannot be.");
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

    internal static string Name(SnapshotManifest manifest) => $"The manifest of snapshot {manifest.Id}";

    internal static string Role(ManifestFileKind kind) => kind.ToString().ToLowerInvariant();
}
