using System.Runtime.CompilerServices;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// A mongodump directory: one folder per database holding &lt;coll&gt;.bson and &lt;coll&gt;.metadata.json
/// (each optionally .gz or .zst), and oplog.bson at the top. A snapshot folder is the same plus manifest.json.
/// </summary>
internal sealed class DumpDirectoryReader : IDumpReader
{
    private readonly Dictionary<(string Db, string Coll), string?> _dataFiles;

    private DumpDirectoryReader(string location, List<DumpNamespace> namespaces,
        Dictionary<(string, string), string?> dataFiles, string? oplogFile)
    {
        Location = location;
        Namespaces = namespaces;
        _dataFiles = dataFiles;
        OplogFile = oplogFile;
    }

    public string Location { get; }
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    public bool HasOplog => OplogFile is not null;
    private string? OplogFile { get; }

    public static DumpDirectoryReader Open(string path)
    {
        var root = Path.GetFullPath(path);
        RejectRepositoryRoot(root);
        var namespaces = new List<DumpNamespace>();
        var dataFiles = new Dictionary<(string, string), string?>();
        foreach (var dbFolder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var db = Path.GetFileName(dbFolder);
            var collections = DatabaseFolderScan.Scan(dbFolder);
            if (collections.Count > 0) RequireDatabaseName(db, dbFolder);
            foreach (var found in collections)
            {
                namespaces.Add(new DumpNamespace(db, found.Collection, found.Metadata, found.DataFile ?? found.MetadataFile!) { Damage = found.Damage });
                dataFiles[(db, found.Collection)] = found.DataFile;
            }
        }
        var oplog = FindOplog(root);
        if (namespaces.Count == 0 && oplog is null && LooksLikeDatabaseFolder(root))
            throw new NotADumpException(
                $"'{root}' looks like one database folder of a dump, not a dump: choose its parent folder '{Path.GetDirectoryName(root)}', " +
                $"with -Database '{Path.GetFileName(root)}' to restore that database alone.");
        if (namespaces.Count == 0 && oplog is null)
            throw new NotADumpException(
                $"'{root}' is not a mongodump directory: it has no database folders with .bson or .metadata.json files and no oplog.bson.");
        return new DumpDirectoryReader(root, namespaces, dataFiles, oplog);
    }

    public async Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, int maxParallel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(consume);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallel, 1);
        var files = chosen.Select(ns => (ns, file: DataFileOf(ns))).ToList();
        using var slots = new SemaphoreSlim(maxParallel);
        var tasks = files.Select(async item =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await consume(item.ns, ReadFileAsync(item.file, ct)).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) => ReadOplogFileAsync(OplogFile, ct);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string? DataFileOf(DumpNamespace ns)
    {
        if (!_dataFiles.TryGetValue((ns.Database, ns.Collection), out var file))
            throw new ArgumentException($"Namespace '{ns.FullName}' is not in the dump '{Location}'.", nameof(ns));
        return file;
    }

    /// <summary>The documents of one file; none when the file does not exist (a view or an empty collection).</summary>
    internal static async IAsyncEnumerable<DocumentBlock> ReadFileAsync(string? file, [EnumeratorCancellation] CancellationToken ct)
    {
        if (file is null) yield break;
        var raw = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var reader = new BsonDocumentReader(CompressionCodec.WrapForRead(raw, CompressionCodec.FromFileName(file)), file);
        await foreach (var block in reader.ReadBlocksAsync(ct).ConfigureAwait(false)) yield return block;
    }

    // "oplog.bson" may hold gzip content (mongodump --gzip writes it so), hence the sniffing; the suffixed names are
    // what earlier snapshots wrote.
    private static async IAsyncEnumerable<byte[]> ReadOplogFileAsync(string? file, [EnumeratorCancellation] CancellationToken ct)
    {
        if (file is null) yield break;
        using var reader = new BsonDocumentReader(DumpReaders.OpenSniffed(file), file);
        while (true)
        {
            var document = await reader.ReadNextAsync(ct).ConfigureAwait(false);
            if (document is null) yield break;
            yield return document;
        }
    }

    private static string? FindOplog(string root)
    {
        foreach (var name in new[] { DumpLayout.OplogStem + DumpLayout.DataExtension, "oplog.bson.gz", "oplog.bson.zst" })
        {
            var candidate = Path.Combine(root, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    // As mongorestore does: a folder holding dump files must be named as a database can be.
    private static void RequireDatabaseName(string db, string folder)
    {
        try
        {
            DumpNames.UnescapeDatabase(db);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The dump folder '{folder}' cannot be restored: {e.Message}", e);
        }
    }

    private static bool LooksLikeDatabaseFolder(string root) =>
        Directory.EnumerateFiles(root).Any(f => Path.GetFileName(f).Contains(DumpLayout.DataExtension, StringComparison.Ordinal)
                                               || Path.GetFileName(f).Contains(DumpLayout.MetadataExtension, StringComparison.Ordinal));

    // Pointing a restore at a repository instead of one of its snapshots would otherwise read each snapshot as a database.
    private static void RejectRepositoryRoot(string root)
    {
        // Which of its snapshots is a full one is the repository's to say (Restore/RestoreSource names the newest): none is
        // named here, since the first folder found may be an oplog slice a restore would refuse next.
        if (Directory.EnumerateDirectories(root).Any(d => File.Exists(Path.Combine(d, "manifest.json"))))
            throw new NotADumpException(
                $"'{root}' is a snapshot repository, not a dump: choose one of its full snapshots (Get-MongoSnapshot -Repository '{root}' -Kind Full lists them).");
    }
}
