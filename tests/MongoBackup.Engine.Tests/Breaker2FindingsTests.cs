using System.Security.Cryptography;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests;

/// <summary>Faults found by breaker2 in this session's merged work; each test fails until its fault is fixed.</summary>
public sealed class Breaker2FindingsTests
{
    /// <summary>
    /// A snapshot whose id is not of a backup's form (a copy keeps its source's id: a snapshot made by hand or by an older
    /// version, "nightly") is known without its manifest only by its marker. A removal deletes the manifest first and then
    /// every blob in ordinal order (BlobStoreRepository.DeleteSnapshotAsync), so ".mongobackup-snapshot" goes right after
    /// the manifest, before any data file. A removal cut short there (Ctrl+C: FolderBlobStore.DeleteAsync checks the token
    /// before each file; a failed DELETE on S3 or Azure) leaves data files with neither manifest nor marker. Since 9bbbba0
    /// such a folder is no snapshot: Get-MongoSnapshot -IncludeIncomplete does not show it, Remove-MongoSnapshot -Id says it
    /// does not exist and retention never sees it, so its files stay forever (on an object store, billed). Reproduced on
    /// a folder repository by making one data file undeletable (chattr +i) and running Remove-MongoSnapshot -Id nightly.
    /// What should happen: the rest of an interrupted removal stays findable (the marker deleted last), and
    /// Remove-MongoSnapshot -Id can finish it.
    /// </summary>
    [Fact]
    public async Task A_removal_of_a_copied_snapshot_cut_short_after_its_marker_leaves_files_that_can_still_be_listed_and_removed()
    {
        using var folder = new TempFolder();
        const string Id = "nightly"; // a copy's id: its source's folder name
        var repository = new FolderRepository(Path.Combine(folder.Path, "repo"));
        Assert.True(await repository.TryReserveAsync(Id, CancellationToken.None));
        var writer = await repository.CreateFileAsync(Id, "shop/orders.bson", CancellationToken.None);
        await using (writer) await writer.WriteAsync(RandomNumberGenerator.GetBytes(3000));
        await repository.CommitManifestAsync(new SnapshotManifest
        {
            Id = Id, Kind = SnapshotKind.Full, Status = SnapshotStatus.Complete, ToolVersion = "test",
            StartTime = DateTimeOffset.UtcNow.AddMinutes(-1), EndTime = DateTimeOffset.UtcNow, Files = [writer.Entry],
        }, CancellationToken.None);

        // The order a removal deletes in: the manifest, then the snapshot's blobs as listed (ordinal), the marker first.
        var files = (await repository.ListFilesAsync(Id, CancellationToken.None))!.Order(StringComparer.Ordinal).ToList();
        Assert.Equal([SnapshotFolderMarker.FileName, "manifest.json", "shop/orders.bson"], files);
        // The removal cut short after its first two deletions: the manifest and the marker are gone, the data stays.
        File.Delete(repository.LocalPath(Id, "manifest.json")!);
        File.Delete(repository.LocalPath(Id, SnapshotFolderMarker.FileName)!);
        Assert.True(File.Exists(repository.LocalPath(Id, "shop/orders.bson")));

        var listed = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(CancellationToken.None)) listed.Add(result);
        Assert.Contains(listed, r => r.SnapshotId == Id && r.State == ManifestState.Missing); // fails: not listed
        await new SnapshotRemover(NullObserver.Instance).RemoveAsync(repository, [Id], force: true, CancellationToken.None);
        Assert.False(Directory.Exists(repository.LocalPath(Id, "")));
    }
}
