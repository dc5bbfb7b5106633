using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Tampering with times and the slice chain, and manifests written before these checks: a full snapshot's
/// consistentAt moved back by years, a slice deleted with the next one's previousSliceEnd rewritten; old manifests
/// still restore, and Test-MongoSnapshot says what it could not check.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class TamperedChainTests(MongoServerFixture server) : IDisposable
{
    private const uint FiveYears = 5 * 365 * 86400;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void MoveBack(JsonNode? timestamp) => timestamp!["t"] = (uint)timestamp["t"]! - FiveYears;

    /// <summary>The moment the tampered manifest claims the snapshot is consistent at: a restore to then picks it.</summary>
    private static OplogLimit FiveYearsAgo(SnapshotManifest full) => OplogLimit.AtWallTime(full.ConsistentAt!.WallTime.AddSeconds(-FiveYears));

    [Fact]
    public async Task A_full_snapshots_consistentAt_moved_back_by_years_is_refused_for_a_restore_to_then()
    {
        var bench = new TamperBench(server, _folder);
        var full = await bench.BackUpAsync(encrypted: false);
        bench.EditManifest(full.Id, m =>
        {
            MoveBack(m["consistentAt"]!["timestamp"]);
            m["consistentAt"]!["wallTime"] = full.ConsistentAt!.WallTime.AddSeconds(-FiveYears).ToString("O");
        });

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreToAsync(FiveYearsAgo(full), bench.Database + "_then"));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("its saved oplog ends at", error.Message);
        Assert.False(await bench.ExistsAsync(bench.Database + "_then"));
        Assert.Contains((await bench.TestAsync(full.Id)).Problems, p => p.Contains("its saved oplog ends at"));
    }

    [Fact]
    public async Task A_consistentAt_moved_back_with_its_whole_oplog_range_is_caught_against_the_oplog_file()
    {
        var bench = new TamperBench(server, _folder);
        var full = await bench.BackUpAsync(encrypted: false);
        Assert.True(full.OplogEntries > 0);
        bench.EditManifest(full.Id, m =>
        {
            MoveBack(m["consistentAt"]!["timestamp"]);
            MoveBack(m["oplogStart"]);
            MoveBack(m["oplogEnd"]);
            m["consistentAt"]!["wallTime"] = full.ConsistentAt!.WallTime.AddSeconds(-FiveYears).ToString("O");
        });

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreToAsync(FiveYearsAgo(full), bench.Database + "_then"));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("oplog.bson", error.Message);
        Assert.Contains($"ends at {full.OplogEnd}", error.Message);
        Assert.False(await bench.ExistsAsync(bench.Database + "_then"));
        Assert.Contains((await bench.TestAsync(full.Id)).Problems, p => p.Contains($"ends at {full.OplogEnd}"));
    }

    [Fact]
    public async Task A_slice_deleted_and_the_next_ones_previousSliceEnd_rewritten_is_refused_by_that_slices_seal()
    {
        var bench = new TamperBench(server, _folder);
        await bench.BackUpAsync(encrypted: true);
        var first = await bench.SliceAsync(1);
        var deleted = await bench.SliceAsync(2);
        var last = await bench.SliceAsync(3);
        Directory.Delete(bench.PathOf(deleted.Id, ""), recursive: true);
        bench.EditManifest(last.Id, m => m["previousSliceEnd"] = JsonNode.Parse($"{{\"t\":{first.OplogEnd!.Value.Seconds},\"i\":{first.OplogEnd.Value.Increment}}}"));
        var target = bench.Database + "_pit";

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreToAsync(OplogLimit.AtClusterTime(last.OplogEnd!.Value), target));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"snapshot {last.Id} does not match its seal", error.Message);
        Assert.False(await bench.ExistsAsync(target));
        Assert.Contains((await bench.TestAsync(last.Id)).Problems, p => p.Contains("does not match its seal"));
    }

    [Fact]
    public async Task A_plain_manifest_written_before_files_were_bound_still_restores_and_its_test_says_what_was_not_checked()
    {
        var bench = new TamperBench(server, _folder);
        var full = await bench.BackUpAsync(encrypted: false);
        bench.EditManifest(full.Id, m =>
        {
            m.Remove("integrity");
            m.Remove("seal");
            foreach (var file in m["files"]!.AsArray()) file!.AsObject().Remove("namespace");
            m["oplogEntries"] = 0; // full snapshots did not count their oplog entries then
        });

        var test = await bench.TestAsync(full.Id);

        Assert.True(test.Passed, string.Join(" ", test.Problems));
        Assert.Contains(test.Unchecked, u => u.Contains("written before files were bound") && u.Contains("oplog entries saved was not checked"));
        Assert.True((await bench.RestoreAsync(full.Id, bench.Database + "_old")).Succeeded);
    }

    [Fact]
    public async Task An_encrypted_manifest_from_before_seals_restores_is_reported_unsealed_and_is_sealed_by_a_key_rotation()
    {
        var bench = new TamperBench(server, _folder);
        var full = await bench.BackUpAsync(encrypted: true);
        var keyFile = Path.Combine(_folder.Path, "backup.key");
        bench.EditManifest(full.Id, m =>
        {
            m.Remove("seal");
            m["encryption"]!["wrappedDataKey"] = WrapAsBeforeSeals(full, keyFile);
        });

        var test = await bench.TestAsync(full.Id);
        Assert.True(test.Passed, string.Join(" ", test.Problems));
        Assert.Contains(test.Unchecked, u => u.Contains("not sealed"));
        Assert.True((await bench.RestoreAsync(full.Id, bench.Database + "_old")).Succeeded);

        var newKey = Path.Combine(_folder.Path, "new.key");
        await File.WriteAllTextAsync(newKey, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        var manifest = await SnapshotCatalog.FindAsync(bench.Repository, full.Id, CancellationToken.None);
        await (await KeyRotation.ForRepositoryAsync(bench.Keys!, EncryptionKeySource.FromKeyFile(newKey), new SnapshotCatalog(bench.Repository), CancellationToken.None)).RotateAsync(bench.Repository, manifest, CancellationToken.None);
        var rotated = await new MongoBackup.Engine.Housekeeping.SnapshotVerifier(new RecordingObserver())
            .VerifyAsync(bench.Repository, full.Id, null, EncryptionKeySource.FromKeyFile(newKey), CancellationToken.None);
        Assert.True(rotated.Passed, string.Join(" ", rotated.Problems));
        Assert.Empty(rotated.Unchecked);
    }

    [Fact]
    public async Task A_seal_removed_from_a_sealed_manifest_is_refused()
    {
        var bench = new TamperBench(server, _folder);
        var full = await bench.BackUpAsync(encrypted: true);
        bench.EditManifest(full.Id, m => m.Remove("seal"));

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreAsync(full.Id, bench.Database + "_r"));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("has lost its seal", error.Message);
    }

    /// <summary>The snapshot's data key wrapped as MongoBackup did before manifests were sealed (associated data v1).</summary>
    private static string WrapAsBeforeSeals(SnapshotManifest manifest, string keyFile)
    {
        var kek = KeyEncryptionKey.FromKeyFile(keyFile);
        using var dataKey = DataKey.Unwrap(manifest.Encryption!.WrappedDataKey, kek, manifest.Id, manifest.Encryption.KeyId);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[32];
        var tag = new byte[16];
        using var aes = new AesGcm(kek.Bytes, 16);
        aes.Encrypt(nonce, dataKey.Bytes, cipher, tag, Encoding.UTF8.GetBytes("MongoBackup data key v1|" + manifest.Id));
        return Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }
}
