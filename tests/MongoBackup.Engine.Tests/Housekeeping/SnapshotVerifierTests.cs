using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Housekeeping;

public sealed class SnapshotVerifierTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FolderRepository _repository;

    public SnapshotVerifierTests() => _repository = new FolderRepository(_folder.Path);

    public void Dispose() => _folder.Dispose();

    private Task<SnapshotVerification> VerifyAsync(string id) =>
        new SnapshotVerifier(new RecordingObserver()).VerifyAsync(_repository, id, null, null, CancellationToken.None);

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.None)]
    public async Task A_whole_snapshot_passes_with_every_file_and_document_counted(Compression compression)
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-good", 25, compression);

        var result = await VerifyAsync(manifest.Id);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.Equal(25, result.Documents);
        Assert.Equal(manifest.Files.Select(f => f.Path), result.Files.Select(f => f.Path));
        Assert.All(result.Files, f => Assert.Equal(f.ExpectedSize, f.Size));
    }

    [Fact]
    public async Task Its_progress_counts_stored_bytes_and_says_so()
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-progress", 200, Compression.Gzip);
        var observer = new RecordingObserver();

        await new SnapshotVerifier(observer).VerifyAsync(_repository, manifest.Id, null, null, CancellationToken.None);

        var last = observer.Progresses.Last();
        Assert.True(last.Completed);
        Assert.Equal(MongoBackup.Engine.Events.ProgressBytes.Stored, last.BytesAre);
        Assert.Equal(manifest.Files.Sum(f => f.Size), last.Bytes);
        Assert.NotEqual(manifest.Namespaces.Sum(n => n.Bytes), last.Bytes); // gzip: not the raw BSON the manifest records
    }

    /// <summary>A restore fails such a collection as damaged (the fuzzer found manifests that had lost an entry); the test says so too.</summary>
    [Theory]
    [InlineData(ManifestFileKind.Data, "data")]
    [InlineData(ManifestFileKind.Metadata, "metadata")]
    public async Task A_manifest_that_lost_a_collections_file_entry_fails_naming_the_manifest_and_the_collection(ManifestFileKind kind, string role)
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, $"20260101T000000Z-full-lost{role}", 25, Compression.Gzip);
        var lost = manifest.Files.Single(f => f.Kind == kind);
        manifest.Files.Remove(lost);
        await File.WriteAllTextAsync(_repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!, manifest.Serialize());

        var result = await VerifyAsync(manifest.Id);

        Assert.False(result.Passed);
        var problem = Assert.Single(result.Problems);
        Assert.Contains($"'{manifest.Id}/{SnapshotManifest.FileName}' records the collection shop.items but lists no {role} file", problem);
        Assert.Contains(lost.Path, problem);
    }

    [Fact]
    public async Task A_flipped_byte_in_an_uncompressed_data_file_is_reported_naming_the_file_and_the_broken_document()
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-flip", 25, Compression.None);
        var data = manifest.Files.Single(f => f.Kind == ManifestFileKind.Data);
        // Byte 4 is the first element's type byte of the first document: 0x10 (int32) becomes an unknown type.
        SnapshotCopierTests.FlipByte(_repository.LocalPath(manifest.Id, data.Path)!, 4);

        var result = await VerifyAsync(manifest.Id);

        Assert.False(result.Passed);
        var file = Assert.Single(result.Files, f => !f.Passed);
        Assert.Equal(data.Path, file.Path);
        Assert.Equal(0, file.ProblemOffset);
        Assert.Contains("SHA-256", file.Problem);
        Assert.Contains("unknown BSON element type", file.Problem);
        Assert.Contains(data.Path, Assert.Single(result.Problems));
    }

    [Fact]
    public async Task A_flipped_byte_in_a_compressed_file_and_a_truncated_file_are_both_caught()
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-gz", 200, Compression.Gzip);
        var data = manifest.Files.Single(f => f.Kind == ManifestFileKind.Data);
        var metadata = manifest.Files.Single(f => f.Kind == ManifestFileKind.Metadata);
        SnapshotCopierTests.FlipByte(_repository.LocalPath(manifest.Id, data.Path)!, data.Size / 2);
        var metadataPath = _repository.LocalPath(manifest.Id, metadata.Path)!;
        File.WriteAllBytes(metadataPath, File.ReadAllBytes(metadataPath)[..^3]);

        var result = await VerifyAsync(manifest.Id);

        Assert.Equal(2, result.Problems.Count);
        Assert.Contains(result.Problems, p => p.Contains(data.Path) && p.Contains("SHA-256"));
        Assert.Contains(result.Problems, p => p.Contains(metadata.Path) && p.Contains($"the manifest records {metadata.Size:N0}"));
    }

    [Fact]
    public async Task A_missing_file_is_reported_and_an_unknown_snapshot_is_an_error()
    {
        var manifest = await SnapshotHistory.WriteAsync(_repository, "20260101T000000Z-full-missing", 3);
        File.Delete(_repository.LocalPath(manifest.Id, manifest.Files[1].Path)!);

        var result = await VerifyAsync(manifest.Id);
        Assert.Contains("missing", Assert.Single(result.Problems));

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => VerifyAsync("nope"));
        Assert.Equal(ErrorIds.SnapshotNotFound, error.ErrorId);
    }
}
