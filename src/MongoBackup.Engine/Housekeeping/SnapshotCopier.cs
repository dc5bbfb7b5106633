using System.Diagnostics;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Copies one snapshot between any two repositories (folder, blob store, or a mix): each file is streamed from
/// the source straight into the destination, its SHA-256 checked on arrival against the manifest, and the
/// manifest written last, so the copy exists on the destination only once every file in it is proven whole.
/// </summary>
public sealed class SnapshotCopier(IEngineObserver observer)
{
    private const int CopyBufferSize = 1 << 20;

    /// <returns>The manifest as committed on the destination.</returns>
    public async Task<SnapshotManifest> CopyAsync(ISnapshotRepository source, string snapshotId, ISnapshotRepository destination,
        bool force, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (string.Equals(source.Location, destination.Location, StringComparison.Ordinal))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Snapshot {snapshotId} cannot be copied onto itself: the source and destination are both {source.Location}, the same repository.", target: destination.Location);

        var manifest = await SnapshotCatalog.FindAsync(source, snapshotId, ct).ConfigureAwait(false);
        if (manifest.Status != SnapshotStatus.Complete)
            throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                $"Snapshot {snapshotId} in {source.Location} is marked {manifest.Status}; only complete snapshots are copied.", target: snapshotId);
        await using var lease = await SnapshotReadLease.AcquireAsync(source, [snapshotId], "copy", observer, ct).ConfigureAwait(false);
        // Two locations can name one repository (a trailing separator, a symbolic link, "/./"): the copy's own read lease,
        // seen on the destination's snapshot, says so, before -Force would try to replace the snapshot with itself.
        if (lease is not null && await lease.IsSeenInAsync(destination, snapshotId, ct).ConfigureAwait(false))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Snapshot {snapshotId} cannot be copied onto itself: {destination.Location} is the same repository as {source.Location} " +
                "(the copy's read lease on the source is seen there). Nothing was written.", target: destination.Location);
        await ClearDestinationAsync(destination, snapshotId, force, ct).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        long bytes = 0;
        var done = 0;
        var pending = await ToDestinationAsync(destination, snapshotId, () => PendingSnapshot.StartCopyAsync(destination, snapshotId, observer.Warning, ct))
            .ConfigureAwait(false);
        await using (pending)
        {
            // Any failure below removes the partial copy (PendingSnapshot); the copy's own error is the one thrown.
            foreach (var file in manifest.Files)
            {
                observer.Verbose($"Copying {snapshotId}/{file.Path} ({file.Size:N0} bytes) to {destination.Location}.");
                await CopyFileAsync(source, destination, snapshotId, file, ct).ConfigureAwait(false);
                bytes += file.Size;
                observer.Progress(new ProgressUpdate($"Copying snapshot {snapshotId}", null, 0, bytes, null, clock.Elapsed)
                    { NamespacesDone = ++done, NamespacesTotal = manifest.Files.Count, BytesAre = ProgressBytes.Stored });
            }
            // Last: the manifest vouches for files that are all there and checked.
            await ToDestinationAsync(destination, snapshotId, () => pending.CommitAsync(manifest, ct)).ConfigureAwait(false);
        }
        observer.Progress(new ProgressUpdate($"Copying snapshot {snapshotId}", null, 0, bytes, null, clock.Elapsed, Completed: true) { BytesAre = ProgressBytes.Stored });
        observer.Verbose($"Copied snapshot {snapshotId} ({manifest.Files.Count} files, {bytes:N0} bytes) to {destination.Location}.");
        return manifest;
    }

    private static async Task CopyFileAsync(ISnapshotRepository source, ISnapshotRepository destination, string snapshotId,
        ManifestFile file, CancellationToken ct)
    {
        ManifestFile arrived;
        Stream opened;
        try { opened = await source.OpenReadAsync(snapshotId, file.Path, ct).ConfigureAwait(false); }
        catch (FileNotFoundException e)
        {
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Copying snapshot {snapshotId} failed: file '{file.Path}' that its manifest lists is missing from {source.Location}; the partial copy was deleted.",
                e, $"{snapshotId}/{file.Path}");
        }
        await using (var input = opened)
        {
            var writer = await ToDestinationAsync(destination, snapshotId, () => destination.CreateFileAsync(snapshotId, file.Path, ct)).ConfigureAwait(false);
            // Reading the source and writing the destination fail differently: only the destination's failures are its own.
            var guarded = RepositoryWriteErrors.Guard(writer, destination.Location, $"the copy of snapshot {snapshotId}");
            await using (guarded.ConfigureAwait(false))
                await input.CopyToAsync(guarded, CopyBufferSize, ct).ConfigureAwait(false);
            arrived = writer.Entry;
        }
        // The writer hashed exactly what the destination received: comparing it with the manifest proves the source
        // was read intact and the destination got every byte.
        if (arrived.Size != file.Size || !string.Equals(arrived.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Copying snapshot {snapshotId} failed: file '{file.Path}' arrived as {arrived.Size:N0} bytes with SHA-256 {arrived.Sha256}, " +
                $"but the manifest records {file.Size:N0} bytes with SHA-256 {file.Sha256}. The source file is damaged or changed; the partial copy was deleted.",
                target: $"{snapshotId}/{file.Path}");
    }

    /// <summary>Runs a step on the destination, naming it in the error when its storage refuses (a full disk: RepositoryFull).</summary>
    private static async Task<T> ToDestinationAsync<T>(ISnapshotRepository destination, string snapshotId, Func<Task<T>> step)
    {
        try { return await step().ConfigureAwait(false); }
        catch (Exception e) when (RepositoryWriteErrors.Describe(e, destination.Location, $"the copy of snapshot {snapshotId}") is { } described)
        {
            throw described;
        }
    }

    private async Task ClearDestinationAsync(ISnapshotRepository destination, string snapshotId, bool force, CancellationToken ct)
    {
        if (await destination.ReadManifestAsync(snapshotId, ct).ConfigureAwait(false) is not { } existing) return;
        if (!force)
        {
            var state = existing.IsComplete ? "already holds snapshot" : "already holds an incomplete snapshot (or a backup still running) named";
            throw new MongoBackupException(ErrorIds.SnapshotExists,
                $"{destination.Location} {state} {snapshotId}; use -Force to replace it.", target: snapshotId);
        }
        observer.Verbose($"Replacing snapshot {snapshotId} in {destination.Location} (-Force).");
        // Not under a run that reads it or is still writing it: -Force replaces a snapshot, never another run's work.
        await new SnapshotRemover(observer).DeleteForReplacementAsync(destination, snapshotId, ct).ConfigureAwait(false);
    }
}
