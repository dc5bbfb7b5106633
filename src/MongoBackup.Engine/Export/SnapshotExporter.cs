using System.Diagnostics;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Export;

/// <summary>
/// Writes any snapshot (gzip, zstd or plain, encrypted or not, from any repository kind) as a stock mongodump folder or
/// --archive file, so stock mongorestore restores it without this module. Each stored file is read once, checked
/// against its manifest and decrypted as it streams. The output is written under a temporary name beside the
/// destination and renamed into place only when whole: a failed export leaves nothing behind. Metadata that
/// mongodump's Extended JSON cannot hold exactly is written as closely as JSON allows, with a warning naming it.
/// A cluster snapshot is written as one dump of the cluster at its cut T (<see cref="ClusterSnapshotReader"/>): each
/// namespace's documents from every shard in one file, its metadata the snapshot's, and the shards' oplogs merged to T
/// (a migration's copies left out, a cross-shard transaction whole or not at all), so stock mongorestore --oplogReplay
/// restores the cluster as it was at T into one server. The config server's metadata is not exported: a server restored
/// from a dump is not sharded.
/// </summary>
public sealed class SnapshotExporter(IEngineObserver observer)
{

    /// <summary>
    /// What the run would refuse, checked as the run checks it and without writing (the -WhatIf dry run): the key opens
    /// the snapshot, no namespace is found damaged, the destination is free. Null when the export would run.
    /// </summary>
    /// <exception cref="MongoBackupException">SnapshotNotFound: there is no such snapshot to plan for.</exception>
    public static async Task<MongoBackupException?> RefusalAsync(ExportRequest request, CancellationToken ct)
    {
        var manifest = await SnapshotCatalog.FindAsync(request.Repository, request.SnapshotId, ct);
        try
        {
            await using var reader = await OpenCheckedAsync(request, manifest, ct);
            RequireWhole(reader, manifest);
            RequireFree(Path.GetFullPath(request.Destination));
            return null;
        }
        catch (MongoBackupException e) { return e; }
        catch (CorruptDumpException e) { return e.ToCorruptFile(); }
    }

    /// <summary>The snapshot's reader once its key opens it (an encrypted manifest proving its seal) and its manifest holds together as a whole.</summary>
    private static async Task<IDumpReader> OpenCheckedAsync(ExportRequest request, SnapshotManifest manifest, CancellationToken ct)
    {
        // A replica set's slice exports as a dump of its oplog alone; a cluster's holds one oplog per shard, which no
        // stock dump holds, and whose cross-shard transactions may have begun in the slices before it.
        if (manifest is { Kind: SnapshotKind.Oplog, Cluster: not null })
            throw new MongoBackupException(ErrorIds.ShardedClusterNotSupported,
                $"Snapshot {manifest.Id} is an oplog slice of a sharded cluster: it holds one oplog per shard, which a mongodump cannot. " +
                "Restore-MongoPointInTime replays it with the cluster snapshot it continues; Export-MongoSnapshot takes that cluster snapshot.", target: manifest.Id);
        var dataKey = SnapshotEncryption.Open(manifest, request.Encryption);
        try { SnapshotIntegrity.RequireConsistent(manifest); }
        catch { dataKey?.Dispose(); throw; }
        // Each shard's files are checked against its own section as they are read, as a replica-set snapshot's are.
        if (manifest.Cluster is not null)
            return await ClusterSnapshotReader.OpenAsync(request.Repository, manifest, dataKey, verifyFirst: null, verify: false, hold: null, ct);
        return await SnapshotDumpReader.OpenAsync(request.Repository, manifest, dataKey, ct);
    }

    /// <summary>
    /// Writes the snapshot at <see cref="ExportRequest.Destination"/>; returns what was written, its Bytes being the stored
    /// size of the output (gzip-compressed when asked). Reports "Exporting" progress in raw BSON bytes.
    /// </summary>
    /// <exception cref="MongoBackupException">SnapshotNotFound (no such snapshot), TargetNotEmpty (the destination is taken),
    /// EncryptionKeyRequired or WrongEncryptionKey (an encrypted snapshot without its key), SnapshotDamaged (a manifest that
    /// does not hold together), CorruptFile naming the stored file that failed its size, hash or parse, or ExportFailed (the
    /// destination could not be written); nothing is left at the destination.</exception>
    public async Task<ExportResult> RunAsync(ExportRequest request, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var manifest = await SnapshotCatalog.FindAsync(request.Repository, request.SnapshotId, ct);
        // Held while the snapshot is read, so a removal meanwhile is refused naming this export.
        await using var lease = await SnapshotReadLease.AcquireAsync(request.Repository, [manifest.Id], "export", observer, ct);
        await using var reader = await OpenCheckedAsync(request, manifest, ct);
        RequireWhole(reader, manifest);

        var destination = Path.GetFullPath(request.Destination);
        RequireFree(destination);
        var temporary = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.export-{Guid.NewGuid():N}");
        // The module's own records (a snapshot taken before backups left them out) are a restore's bookkeeping on the
        // source, not data: left out, as a backup and a restore leave them out, or stock mongorestore would restore them.
        foreach (var records in reader.Namespaces.Where(n => ModuleCollections.IsModuleOwned(n.Collection)))
            observer.Verbose($"{records.FullName} is not exported: it holds the records of a restore into {records.Database} on the source " +
                             "(MongoBackup's own bookkeeping, not data).");
        var plan = reader.Namespaces.Where(n => !ModuleCollections.IsModuleOwned(n.Collection)).OrderBy(n => n.Metadata?.IsView == true ? 1 : 0).ThenBy(n => n.FullName, StringComparer.Ordinal)
            .Select(ns => (Ns: ns, Data: DataCollection(ns, manifest.Source.ServerVersion), Bytes: BytesOf(manifest, ns))).ToList();
        foreach (var (ns, _, _) in plan) WarnWhereJsonIsNotExact(ns);
        observer.Verbose($"Exporting snapshot {manifest.Id} ({plan.Count} namespaces) to {destination} as a mongodump {request.Format.ToString().ToLowerInvariant()}.");
        try
        {
            IStockDumpSink sink;
            if (request.Format == ExportFormat.Archive)
            {
                var archive = new StockArchiveWriter(temporary, request.Gzip);
                await archive.WritePreludeAsync(manifest.Source.ServerVersion, plan, ArchiveHoldsOplog(reader, manifest), ct);
                sink = archive;
            }
            else
            {
                Directory.CreateDirectory(temporary);
                sink = new StockDumpFolderWriter(temporary, request.Gzip);
            }
            await using (sink)
            {
                await WriteAsync(reader, manifest, plan, sink, clock, ct);
                await sink.CompleteAsync(ct);
            }
            MoveIntoPlace(temporary, destination, request.Format);
            return new ExportResult(manifest.Id, destination, request.Format, request.Gzip, plan.Count, sink.Documents, sink.OplogEntries,
                SizeOf(destination), clock.Elapsed);
        }
        catch (Exception e)
        {
            Remove(temporary);
            throw Describe(e, destination);
        }
    }

    private async Task WriteAsync(IDumpReader reader, SnapshotManifest manifest, List<(DumpNamespace Ns, string Data, long Bytes)> plan, IStockDumpSink sink,
        Stopwatch clock, CancellationToken ct)
    {
        var progress = new OverallProgress("Exporting", plan.Count, observer, clock);
        foreach (var (ns, data, bytes) in plan)
        {
            var before = sink.Documents;
            if (ns.Metadata?.IsView == true)
                await sink.WriteNamespaceAsync(ns, data, null, ct);
            else
                // One namespace at a time: an archive holds each namespace's documents in one segment.
                await reader.ReadAsync([ns], (_, documents) => sink.WriteNamespaceAsync(ns, data, documents, ct), 1, ct);
            progress.NamespaceDone(sink.Documents - before, bytes);
        }
        if (sink is StockDumpFolderWriter ? reader.HasOplog : ArchiveHoldsOplog(reader, manifest))
            await sink.WriteOplogAsync(reader.ReadOplogAsync(ct), ct);
    }

    /// <summary>
    /// An archive lists the oplog only when it holds entries. mongodump's always does (its range starts at an existing
    /// entry); mongorestore --oplogReplay loses an oplog that is only an end marker ("archive io error"), while without
    /// entries there is nothing to replay: the data is already consistent. A folder keeps an empty oplog.bson, which it reads.
    /// A cluster's merged oplog holds at least the entry at its cut T, the newest of the shard that set it.
    /// </summary>
    private static bool ArchiveHoldsOplog(IDumpReader reader, SnapshotManifest manifest) =>
        reader.HasOplog && (manifest.Cluster?.Shards.Sum(s => s.OplogEntries) ?? manifest.OplogEntries) > 0;

    /// <summary>Where mongodump files a time-series collection's buckets: under system.buckets.NAME before server 8.3.</summary>
    private static string DataCollection(DumpNamespace ns, string serverVersion) =>
        ns.Metadata?.IsTimeseries == true && !(Version.TryParse(serverVersion.Split('-')[0], out var v) && v >= new Version(8, 3))
            ? TimeseriesBuckets.Of(ns.Collection) : ns.Collection;

    private static long BytesOf(SnapshotManifest manifest, DumpNamespace ns) =>
        ShardSnapshotViews.NamespacesOf(manifest).FirstOrDefault(m => m.Database == ns.Database && m.Collection == ns.Collection)?.Bytes ?? 0;

    private void WarnWhereJsonIsNotExact(DumpNamespace ns)
    {
        if (ns.Metadata is { } metadata && MetadataJsonFidelity.Problem(metadata) is { } problem)
            observer.Warning($"{ns.FullName}: {problem}. The export writes mongodump's Extended JSON, which stock mongorestore "
                             + "reads as other options or indexes, or refuses; restore this namespace from the snapshot with Restore-MongoDatabase.");
    }

    private static void RequireWhole(IDumpReader reader, SnapshotManifest manifest)
    {
        if (reader.Namespaces.FirstOrDefault(n => n.Damage is not null) is { Damage: { } damage } broken)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot {manifest.Id} cannot be exported whole: {broken.FullName}: {damage.Message}", target: damage.File);
    }

    private static void RequireFree(string destination)
    {
        if (File.Exists(destination) || Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            throw new MongoBackupException(ErrorIds.TargetNotEmpty,
                $"The export destination '{destination}' already exists; choose a new path (an empty folder is also taken).", target: destination);
    }

    private static void MoveIntoPlace(string temporary, string destination, ExportFormat format)
    {
        if (format == ExportFormat.Archive) { File.Move(temporary, destination); return; }
        if (Directory.Exists(destination)) Directory.Delete(destination); // empty, checked before
        Directory.Move(temporary, destination);
    }

    private static long SizeOf(string path) => File.Exists(path)
        ? new FileInfo(path).Length
        : Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static void Remove(string temporary)
    {
        try
        {
            if (File.Exists(temporary)) File.Delete(temporary);
            else if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the failure itself is what the user needs */ }
    }

    private static Exception Describe(Exception e, string destination) => e switch
    {
        OperationCanceledException or MongoBackupException => e,
        CorruptDumpException c => new MongoBackupException(ErrorIds.CorruptFile, $"The export to '{destination}' stopped: {c.Message}", c, c.File),
        IOException or UnauthorizedAccessException => new MongoBackupException(ErrorIds.ExportFailed,
            $"The export to '{destination}' could not be written: {e.Message}", e, destination),
        _ => e,
    };
}
