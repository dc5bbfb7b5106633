using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The tampering issue 15 found uncaught, each as its input: a count edited in manifest.json, two data files swapped
/// with their hashes recomputed, a data file deleted with its manifest entry. Plain snapshots are caught where a
/// manifest that holds together disagrees with its files; encrypted ones (the key given) by the manifest's seal,
/// before anything is written.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class TamperingTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Where a backup at the default compression stores a collection's data file: under its encrypted name in an encrypted snapshot.</summary>
    private static string DataFile(TamperBench bench, string collection, bool encrypted = false)
    {
        var plain = DumpLayout.DataFile(bench.Database, collection, BackupCompression.Default);
        return encrypted ? EncryptedLayout.Of(plain) : plain;
    }

    [Fact]
    public async Task A_count_edited_in_a_plain_manifest_fails_that_namespace_naming_both_numbers()
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted: false);
        bench.EditManifest(manifest.Id, m => m["namespaces"]!.AsArray().Single(n => (string?)n!["collection"] == "a")!["documents"] = 25);

        var outcome = await bench.RestoreAsync(manifest.Id, bench.Database + "_r");

        Assert.False(outcome.Succeeded);
        var a = Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".a");
        Assert.Contains("20 documents", a.Error);
        Assert.Contains("records 25 documents", a.Error);
        Assert.True(Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".b").Succeeded);
        var test = await bench.TestAsync(manifest.Id);
        Assert.Contains(test.Problems, p => p.Contains(DataFile(bench, "a")) && p.Contains("holds 20 documents") && p.Contains("records 25 documents"));
    }

    [Fact]
    public async Task A_count_edited_in_an_encrypted_manifest_is_refused_by_its_seal_before_anything_is_written()
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted: true);
        bench.EditManifest(manifest.Id, m => m["namespaces"]!.AsArray().Single(n => (string?)n!["collection"] == "a")!["documents"] = 25);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreAsync(manifest.Id, bench.Database + "_r"));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("does not match its seal", error.Message);
        Assert.False(await bench.ExistsAsync(bench.Database + "_r"));
        Assert.Contains((await bench.TestAsync(manifest.Id)).Problems, p => p.Contains("does not match its seal"));
        Assert.Contains((await bench.TestAsync(manifest.Id, withKey: false)).Unchecked, u => u.Contains("seal was not checked"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_data_files_swapped_with_their_hashes_recomputed_are_caught(bool encrypted)
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted);
        string a = bench.PathOf(manifest.Id, DataFile(bench, "a", encrypted)), b = bench.PathOf(manifest.Id, DataFile(bench, "b", encrypted));
        File.Move(a, a + ".x");
        File.Move(b, a);
        File.Move(a + ".x", b);
        bench.EditManifest(manifest.Id, m =>
        {
            bench.RecomputeHash(m, manifest.Id, DataFile(bench, "a", encrypted));
            bench.RecomputeHash(m, manifest.Id, DataFile(bench, "b", encrypted));
        });
        var target = bench.Database + "_r";

        if (encrypted)
        {
            var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreAsync(manifest.Id, target));
            Assert.Contains("does not match its seal", error.Message);
            Assert.False(await bench.ExistsAsync(target));
        }
        else
        {
            var outcome = await bench.RestoreAsync(manifest.Id, target);
            Assert.All(outcome.Namespaces, n => Assert.False(n.Succeeded));
            Assert.Contains("holds 30 documents", Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".a").Error);
            Assert.Contains("holds 20 documents", Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".b").Error);
        }
        var test = await bench.TestAsync(manifest.Id);
        Assert.False(test.Passed);
        Assert.Contains(test.Problems, p => p.Contains(encrypted ? "seal" : "holds 30 documents"));
    }

    /// <summary>Plain, the manifest's own entries give it away: that namespace fails, named, and the other restores (issue 16's rule).</summary>
    [Fact]
    public async Task A_data_file_deleted_with_its_manifest_entry_fails_that_namespace_alone_in_a_plain_snapshot()
    {
        var (bench, manifest, target) = await BackUpAndDeleteDataFileWithItsEntryAsync(encrypted: false, "b");

        var outcome = await bench.RestoreAsync(manifest.Id, target);

        Assert.False(outcome.Succeeded);
        var b = Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".b");
        Assert.Contains($"'{manifest.Id}/{SnapshotManifest.FileName}' records the collection {bench.Database}.b but lists no data file", b.Error);
        Assert.Contains("holding its 30 documents", b.Error);
        Assert.True(Assert.Single(outcome.Namespaces, n => n.SourceNamespace == bench.Database + ".a").Succeeded);
        Assert.Equal(20, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("a").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.DoesNotContain("b", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
        var test = await bench.TestAsync(manifest.Id);
        Assert.Contains(test.Problems, p => p.Contains($"records the collection {bench.Database}.b but lists no data file"));
    }

    [Fact]
    public async Task A_data_file_deleted_with_its_manifest_entry_is_refused_by_the_seal_of_an_encrypted_snapshot_before_anything_is_written()
    {
        var (bench, manifest, target) = await BackUpAndDeleteDataFileWithItsEntryAsync(encrypted: true, "b");

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => bench.RestoreAsync(manifest.Id, target));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains("does not match its seal", error.Message);
        Assert.False(await bench.ExistsAsync(target));
        var test = await bench.TestAsync(manifest.Id);
        Assert.Contains(test.Problems, p => p.Contains($"records the collection {bench.Database}.b but lists no data file"));
        Assert.Contains(test.Problems, p => p.Contains("does not match its seal"));
    }

    /// <summary>A backup whose data file of <paramref name="collection"/> is deleted with its manifest entry, and where to restore it.</summary>
    private async Task<(TamperBench Bench, SnapshotManifest Manifest, string Target)> BackUpAndDeleteDataFileWithItsEntryAsync(bool encrypted, string collection)
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted);
        File.Delete(bench.PathOf(manifest.Id, DataFile(bench, collection, encrypted)));
        bench.EditManifest(manifest.Id, m => m["files"]!.AsArray().Remove(TamperBench.FileEntry(m, DataFile(bench, collection, encrypted))));
        return (bench, manifest, bench.Database + "_r");
    }

    [Fact]
    public async Task A_whole_plain_snapshot_passes_and_says_its_manifest_is_not_authenticated()
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted: false);

        var test = await bench.TestAsync(manifest.Id);

        Assert.True(test.Passed, string.Join(" ", test.Problems));
        Assert.Contains(test.Unchecked, u => u.Contains("not authenticated"));
        Assert.All(manifest.Files.Where(f => f.Kind != ManifestFileKind.Oplog), f => Assert.StartsWith(bench.Database + ".", f.Namespace));
        Assert.Equal(SnapshotManifest.CurrentIntegrity, manifest.Integrity);
        Assert.True((await bench.RestoreAsync(manifest.Id, bench.Database + "_ok")).Succeeded);
        Assert.Equal(30, await server.Client.GetDatabase(bench.Database + "_ok").GetCollection<BsonDocument>("b").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_whole_encrypted_snapshot_is_sealed_and_passes_with_nothing_left_unchecked()
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted: true);

        var test = await bench.TestAsync(manifest.Id);

        Assert.NotNull(manifest.Seal);
        Assert.True(test.Passed, string.Join(" ", test.Problems));
        Assert.Empty(test.Unchecked);
    }

    [Fact]
    public async Task A_sealed_snapshot_copied_to_another_repository_still_proves_itself_there()
    {
        var bench = new TamperBench(server, _folder);
        var manifest = await bench.BackUpAsync(encrypted: true);
        var destination = new FolderRepository(Path.Combine(_folder.Path, "offsite"));

        await new MongoBackup.Engine.Housekeeping.SnapshotCopier(new RecordingObserver()).CopyAsync(bench.Repository, manifest.Id, destination, false, CancellationToken.None);
        var test = await new MongoBackup.Engine.Housekeeping.SnapshotVerifier(new RecordingObserver())
            .VerifyAsync(destination, manifest.Id, null, bench.Keys, CancellationToken.None);

        Assert.True(test.Passed, string.Join(" ", test.Problems));
        Assert.Empty(test.Unchecked);
    }
}
