using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// Test-MongoSnapshot's outcome recorded with the snapshot (<see cref="VerificationRecord"/>), on each repository kind:
/// read back as an audit reads it, the manifest left byte for byte as the backup wrote it, and gone with the snapshot.
/// </summary>
public sealed class VerificationRecordTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private static Task<SnapshotVerification> VerifyAsync(ISnapshotRepository repository, string id) =>
        new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, id, null, null, CancellationToken.None);

    private static async Task<string> ManifestTextAsync(ISnapshotRepository repository, string id)
    {
        await using var stream = await repository.OpenReadAsync(id, SnapshotManifest.FileName, CancellationToken.None);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_passed_test_is_recorded_beside_the_snapshot_without_touching_its_manifest(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var manifest = await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-0a0a", 30);
        var manifestBefore = await ManifestTextAsync(repository, manifest.Id);
        Assert.Null(await VerificationRecord.ReadAsync(repository, manifest.Id, CancellationToken.None));

        var started = DateTimeOffset.UtcNow;
        var result = await VerifyAsync(repository, manifest.Id);
        var finished = DateTimeOffset.UtcNow;

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        // Read back through a new repository object, as a later Get-MongoSnapshot reads it.
        var reopened = await services.ReopenAsync(repository, kind);
        var record = await VerificationRecord.ReadAsync(reopened, manifest.Id, CancellationToken.None);
        Assert.NotNull(record);
        Assert.True(record.Passed);
        Assert.Equal(VerificationRecord.FilesMode, record.Mode);
        Assert.InRange(record.VerifiedAt, started, finished);
        Assert.Equal(30, record.Documents);
        Assert.Equal(0, record.Problems);
        Assert.Null(record.FirstProblem);
        Assert.Equal(manifestBefore, await ManifestTextAsync(reopened, manifest.Id));
        // Still one complete snapshot: the record is no file of it and no snapshot of its own.
        var listed = Assert.Single(await SnapshotCatalog.LoadCompleteAsync(reopened, CancellationToken.None));
        Assert.Equal(manifest.Files.Select(f => f.Path), listed.Files.Select(f => f.Path));
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task A_failed_test_replaces_the_pass_before_it_naming_the_damaged_file(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var manifest = await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-0b0b", 30);
        Assert.True((await VerifyAsync(repository, manifest.Id)).Passed);
        var data = manifest.Files.Single(f => f.Kind == ManifestFileKind.Data);
        var writer = await repository.CreateFileAsync(manifest.Id, data.Path, CancellationToken.None);
        await using (writer) await writer.WriteAsync(new byte[data.Size]);

        var result = await VerifyAsync(repository, manifest.Id);

        Assert.False(result.Passed);
        var record = await VerificationRecord.ReadAsync(repository, manifest.Id, CancellationToken.None);
        Assert.NotNull(record);
        Assert.False(record.Passed);
        Assert.Equal(VerificationRecord.FailedStatus, record.Status);
        Assert.Equal(result.Problems.Count, record.Problems);
        Assert.Contains(data.Path, record.FirstProblem);
    }

    [Theory]
    [MemberData(nameof(ObjectStoreServices.AllKinds), MemberType = typeof(ObjectStoreServices))]
    public async Task The_record_goes_with_its_snapshot_when_it_is_removed(StoreKind kind)
    {
        var repository = await services.NewRepositoryAsync(kind);
        var manifest = await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-0c0c", 5);
        await VerifyAsync(repository, manifest.Id);

        await new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [manifest.Id], force: true, CancellationToken.None);

        Assert.Null(await VerificationRecord.ReadAsync(repository, manifest.Id, CancellationToken.None));
        Assert.Empty(await new SnapshotCatalog(repository).FoundAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_record_beside_another_snapshot_or_damaged_reads_as_none()
    {
        var repository = await services.NewRepositoryAsync(StoreKind.Folder);
        var manifest = await SnapshotHistory.WriteAsync(repository, "20260101T000000Z-full-0d0d", 5);
        var marks = repository.Marks!;
        var foreign = new VerificationRecord("20251231T000000Z-full-ffff", DateTimeOffset.UtcNow, true, VerificationRecord.FilesMode, "files", 0, null, 5);
        await marks.WriteMarkAsync(manifest.Id, VerificationRecord.MarkName, foreign.Serialize(), CancellationToken.None);
        Assert.Null(await VerificationRecord.ReadAsync(repository, manifest.Id, CancellationToken.None));

        await marks.WriteMarkAsync(manifest.Id, VerificationRecord.MarkName, "{\"snapshotId\": \"" + manifest.Id + "\", \"passed\": tr", CancellationToken.None);
        Assert.Null(await VerificationRecord.ReadAsync(repository, manifest.Id, CancellationToken.None));
    }
}
