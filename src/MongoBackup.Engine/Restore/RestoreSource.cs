using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a restore reads from: a snapshot in a repository (by id, or a -Path that is one of our snapshot folders),
/// its manifest and oplog checked before anything is written (its other files as they are read, or first with
/// -VerifyFirst or -Drop) and held by a read lease while it is read; or a mongodump directory or archive.
/// A folder that is one of our snapshots without its manifest is refused, never read as a mongodump directory.
/// </summary>
public static class RestoreSource
{
    /// <summary>
    /// The source and the scope it was taken with: a snapshot's own (what its backup chose); a mongodump directory or
    /// archive counts as whole (mongodump takes an oplog only of a whole instance: it refuses --oplog with --db).
    /// </summary>
    /// <param name="leaseFor">
    /// The run that holds a read lease on a repository snapshot while it reads it, and is warned of a cluster snapshot's
    /// restore that is not the cluster at one time (<see cref="ClusterRestoreWarnings"/>); null for planning (-WhatIf writes nothing).
    /// </param>
    public static async Task<(IDumpReader Reader, SnapshotScope Scope)> OpenAsync(RestoreRequest request, IEngineObserver? leaseFor, CancellationToken ct)
    {
        if ((request.Snapshot ?? SnapshotFolder(request.SourcePath)) is { } snapshot)
            return await OpenSnapshotAsync(snapshot, request, leaseFor, ct);
        await RejectRepositoryRootAsync(request.SourcePath, ct);
        var reader = OpenPath(request.SourcePath);
        if (leaseFor is not null && ClusterRestoreWarnings.OneShard(request.SourcePath) is { } oneShard) leaseFor.Warning(oneShard);
        return (reader, SnapshotScope.Whole);
    }

    private static async Task<(IDumpReader, SnapshotScope)> OpenSnapshotAsync(RepositorySnapshot snapshot, RestoreRequest request, IEngineObserver? leaseFor, CancellationToken ct)
    {
        var manifest = await SnapshotCatalog.FindAsync(snapshot.Repository, snapshot.Id, ct);
        if (manifest.Kind == SnapshotKind.Oplog)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Snapshot '{manifest.Id}' is an oplog slice (Kind Oplog), not a full snapshot: replay slices with Restore-MongoPointInTime.", target: manifest.Id);
        // Held until the reader is disposed, so a removal meanwhile is refused naming this restore.
        var lease = leaseFor is null ? null : await SnapshotReadLease.AcquireAsync(snapshot.Repository, [snapshot.Id], "restore", leaseFor, ct);
        DataKey? dataKey = null;
        try
        {
            // An encrypted manifest proves itself first (its seal); then it must hold together as a whole. Damage to
            // one namespace's files or entries fails that namespace alone (see SnapshotDumpReader), not the restore.
            dataKey = SnapshotEncryption.Open(manifest, request.Encryption);
            SnapshotIntegrity.RequireConsistent(manifest);
            // A cluster's shards, each read as the replica-set snapshot its folder is, as one dump (into a replica set or standalone).
            if (manifest.Cluster is not null)
            {
                if (leaseFor is not null && ClusterRestoreWarnings.WithoutReplay(manifest, request) is { } torn) leaseFor.Warning(torn);
                return (await Cluster.ClusterSnapshotReader.OpenAsync(snapshot.Repository, manifest, dataKey, VerifiedFirst(request),
                    request.VerifyBeforeRestore != false, lease, ct), manifest.EffectiveScope);
            }
            var damaged = request.VerifyBeforeRestore == false ? null
                : await SnapshotIntegrity.FindDamagedAsync(snapshot.Repository, manifest, dataKey, ct, VerifiedFirst(request));
            return (await SnapshotDumpReader.OpenAsync(snapshot.Repository, manifest, dataKey, ct, damaged, lease), manifest.EffectiveScope);
        }
        catch (Exception e)
        {
            dataKey?.Dispose();
            if (lease is not null) await lease.DisposeAsync();
            if (e is CorruptDumpException c) throw c.ToCorruptFile();
            if (e is InvalidDataException i) throw new MongoBackupException(ErrorIds.CorruptFile, i.Message, i, snapshot.Id);
            throw;
        }
    }

    /// <summary>
    /// The files checked before anything is written (null: all of them). Data and metadata files are checked as they are
    /// restored, so each stored byte is read once, and a namespace whose data file fails is taken back; all of them
    /// first only when asked (-VerifyFirst), or before -Drop replaces collections a damaged file could not give back.
    /// The oplog, one stream for every namespace, is checked first in every case.
    /// </summary>
    private static Func<ManifestFile, bool>? VerifiedFirst(RestoreRequest request) =>
        request.VerifyBeforeRestore ?? request.Drop ? null : file => file.Kind == ManifestFileKind.Oplog;

    /// <summary>
    /// A -Path that names one of our snapshot folders (it holds manifest.json) is read as the snapshot it is, through
    /// its repository: checked against its manifest, and decrypted when it is encrypted.
    /// </summary>
    private static RepositorySnapshot? SnapshotFolder(string path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(Path.Combine(path, SnapshotManifest.FileName))) return null;
        var folder = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return new RepositorySnapshot(new FolderRepository(Path.GetDirectoryName(folder)!, RepositoryAccess.Read), Path.GetFileName(folder));
    }

    /// <summary>
    /// A -Path that names a folder repository (its subfolders are snapshots) instead of one snapshot: the error names
    /// the newest full snapshot in it, the one a restore could read (an oplog slice would only be refused next), and
    /// the two ways to restore from a repository.
    /// </summary>
    private static async Task RejectRepositoryRootAsync(string path, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(path) || !Directory.Exists(path)) return;
        if (!Directory.EnumerateDirectories(path).Any(d => File.Exists(Path.Combine(d, SnapshotManifest.FileName)))) return;
        var root = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var snapshots = await SnapshotCatalog.LoadCompleteAsync(new FolderRepository(root, RepositoryAccess.Read), ct);
        var newestFull = snapshots.Where(s => s.Kind == SnapshotKind.Full).MaxBy(s => s.EndTime);
        var choose = newestFull is null
            ? "it holds no full snapshot to restore (only oplog slices, which Restore-MongoPointInTime replays onto a full one)"
            : $"choose one of its full snapshots, such as the newest, '{Path.Combine(root, newestFull.Id)}', " +
              $"or name it with -Repository '{root}' -Id {newestFull.Id}, " +
              $"or pipe the newest: Get-MongoSnapshot -Repository '{root}' -Latest | Restore-MongoDatabase -ConnectionString ...";
        throw new MongoBackupException(ErrorIds.InvalidArgument, $"'{root}' is a snapshot repository, not a dump: {choose}.", target: path);
    }

    private static IDumpReader OpenPath(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new MongoBackupException(ErrorIds.SourceNotFound, $"Nothing to restore at '{path}': no such file or folder.", target: path);
        // One of our snapshot folders without its manifest is a backup that never finished, not a mongodump folder.
        if (SnapshotFolderMarker.DescribeUnfinished(path) is { } unfinished)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound, unfinished, target: path);
        try { return DumpReaders.Open(path); }
        catch (NotADumpException e) { throw new MongoBackupException(ErrorIds.InvalidArgument, e.Message, e, path); } // sound, but not a dump
        catch (CorruptDumpException e) { throw e.ToCorruptFile(); }
        catch (InvalidDataException e) { throw new MongoBackupException(ErrorIds.CorruptFile, e.Message, e, path); }
    }
}
