using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Test-MongoSnapshot: reads every file of a snapshot, checks it against the manifest and parses what it holds;
/// with a server, also restores the snapshot into scratch databases and compares document counts. Each test that
/// finishes, passed or failed, is recorded with its snapshot (<see cref="VerificationRecord"/>); one cut short by an
/// error or a stop found nothing about the snapshot and records nothing.
/// </summary>
public sealed class SnapshotVerifier(IEngineObserver observer)
{
    /// <param name="restoreInto">A server to restore into as a further check, or null to only read the files.</param>
    /// <param name="keys">The key of an encrypted snapshot; without it only sizes and SHA-256 of an encrypted snapshot are checked.</param>
    public async Task<SnapshotVerification> VerifyAsync(ISnapshotRepository repository, string snapshotId, ConnectionSettings? restoreInto,
        EncryptionKeySource? keys, CancellationToken ct)
    {
        var manifest = await SnapshotCatalog.FindAsync(repository, snapshotId, ct).ConfigureAwait(false);
        await using var lease = await SnapshotReadLease.AcquireAsync(repository, [snapshotId], "test", observer, ct).ConfigureAwait(false);
        var result = await CheckAsync(repository, manifest, restoreInto, keys, ct).ConfigureAwait(false);
        // Recorded under the read lease: a removal waits for it, so the record never lands beside a snapshot already gone
        // (on an object store it would make a snapshot "folder" of its own).
        var record = RecordOf(result);
        if (await KeptInsteadAsync(repository, record, ct).ConfigureAwait(false) is { } kept)
        {
            observer.Warning($"Snapshot {snapshotId} keeps the record of its test of {kept.VerifiedAt:yyyy-MM-dd HH:mm:ss}Z ({kept.Mode}: {kept.Checked}, " +
                $"{kept.Status}): this {record.Mode} test checked less and found nothing wrong, so it does not replace it" +
                (kept.Passed ? "; the record notes that this test passed, so -NotVerifiedSince counts it." : "."));
            // A passing stronger record notes this pass: an audit of "no passing test since" must not list a snapshot tested today.
            if (kept.Passed) await (kept with { ConfirmedAt = record.VerifiedAt }).WriteAsync(repository, observer.Warning, ct).ConfigureAwait(false);
        }
        else
            await record.WriteAsync(repository, observer.Warning, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// The recorded test that stays in place of <paramref name="record"/>: one of a stronger mode (a test with the key, or
    /// a scratch restore) when this one checked less and passed. A DBA reading the record wants the most that was proven,
    /// and a weaker test that passed proves nothing new; one that failed is news and is recorded. Null when it replaces it.
    /// </summary>
    private static async Task<VerificationRecord?> KeptInsteadAsync(ISnapshotRepository repository, VerificationRecord record, CancellationToken ct)
    {
        if (!record.Passed) return null;
        VerificationRecord? existing;
        try { existing = await VerificationRecord.ReadAsync(repository, record.SnapshotId, ct).ConfigureAwait(false); }
        catch (MongoBackupException) { return null; } // unreadable: the write says why, as before
        return existing is not null && VerificationRecord.Strength(existing.Mode) > VerificationRecord.Strength(record.Mode) ? existing : null;
    }

    /// <summary>What the record of <paramref name="result"/> says: when, passed or not, and what kind of test it was.</summary>
    private static VerificationRecord RecordOf(SnapshotVerification result)
    {
        var mode = result.Mode;
        var what = mode == VerificationRecord.HashesMode ? "file sizes and SHA-256 (encrypted, no key given)"
            : mode == VerificationRecord.RestoreMode ? "file sizes, SHA-256, decompression, every document's BSON, the manifest's checks, and a scratch restore's counts"
            : "file sizes, SHA-256, decompression, every document's BSON and the manifest's checks";
        return new VerificationRecord(result.SnapshotId, DateTimeOffset.UtcNow, result.Passed, mode, what, result.Problems.Count,
            result.Problems.FirstOrDefault(), result.Documents);
    }

    private async Task<SnapshotVerification> CheckAsync(ISnapshotRepository repository, SnapshotManifest manifest, ConnectionSettings? restoreInto,
        EncryptionKeySource? keys, CancellationToken ct)
    {
        var snapshotId = manifest.Id;
        var result = new SnapshotVerification(snapshotId, repository.Location);
        var readable = manifest.Encryption is null || keys is not null;
        result.Parsed = readable;
        if (!readable)
        {
            observer.Warning($"Snapshot {snapshotId} is encrypted (key {manifest.Encryption!.KeyId}) and no key was given: only file sizes and " +
                "SHA-256 are checked; give -EncryptionKey or -EncryptionKeyFile to decrypt and parse every document too.");
            restoreInto = null;
        }
        // A wrong key is refused here, before any file is read, with its own error id.
        using var dataKey = readable ? SnapshotEncryption.OpenUnsealed(manifest, keys) : null;
        ManifestTrust.Judge(manifest, dataKey, result);
        result.Problems.AddRange(ManifestChecks.Problems(manifest));
        var clock = Stopwatch.StartNew();
        long bytes = 0;
        // A cluster snapshot's shard files are checked against their shard's section, its metadata files as BSON (FileCheckPlan).
        foreach (var item in FileCheckPlan.Of(manifest))
        {
            observer.Verbose($"Checking {snapshotId}/{item.Path}.");
            var checkedFile = await FileVerifier.VerifyAsync(repository, item.Against, item.File, dataKey, parse: readable, ct).ConfigureAwait(false);
            if (item.ClusterMetadata) checkedFile = checkedFile with { ClusterMetadata = true };
            result.Files.Add(checkedFile);
            if (checkedFile.Problem is not null) result.Problems.Add(checkedFile.Problem);
            bytes += checkedFile.Size;
            observer.Progress(new ProgressUpdate($"Testing snapshot {snapshotId}", null, result.Documents, bytes, null, clock.Elapsed)
                { NamespacesDone = result.Files.Count, NamespacesTotal = manifest.Files.Count, BytesAre = ProgressBytes.Stored });
        }
        observer.Progress(new ProgressUpdate($"Testing snapshot {snapshotId}", null, result.Documents, bytes, null, clock.Elapsed, Completed: true)
            { BytesAre = ProgressBytes.Stored });

        if (restoreInto is null) return result;
        if (!result.Passed)
        {
            observer.Warning($"Snapshot {snapshotId} is not restored as a test: its files are damaged.");
            return result;
        }
        await new ScratchRestoreCheck(observer).RunAsync(repository, manifest, restoreInto, keys, result, ct).ConfigureAwait(false);
        return result;
    }
}
