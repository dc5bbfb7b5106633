using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// What Test-MongoSnapshot checks of a file's parsed content against its manifest: a data file's documents and bytes
/// against its namespace's recorded count and size, an oplog file's entries against the recorded range
/// (<see cref="OplogFileCheck"/>). Metadata files are matched to their namespace when a restore opens them. A file in a
/// shard's folder of a cluster snapshot or slice comes with that shard's view as its manifest (<see cref="FileCheckPlan"/>),
/// which records its namespaces and oplog range.
/// </summary>
internal sealed class ContentCheck(SnapshotManifest manifest, ManifestFile file, string displayName)
{
    private readonly OplogFileCheck? _oplog = file.Kind == ManifestFileKind.Oplog ? new OplogFileCheck(manifest, displayName) : null;
    private long _documents, _bytes;

    public void Observe(byte[] document)
    {
        _documents++;
        _bytes += document.Length;
        _oplog?.Observe(document);
    }

    /// <summary>Each mismatch, phrased to follow the file's name; empty when the content is what the manifest records.</summary>
    public IEnumerable<string> Problems()
    {
        if (_oplog is not null) return _oplog.Problems();
        if (file.Kind != ManifestFileKind.Data || ManifestBinding.NamespaceOf(file, manifest) is not { } ns) return [];
        return _documents == ns.Documents && _bytes == ns.Bytes
            ? []
            : [$"it holds {_documents:N0} documents ({_bytes:N0} bytes) of {ns.FullName}; the manifest records {ns.Documents:N0} documents ({ns.Bytes:N0} bytes)"];
    }
}
