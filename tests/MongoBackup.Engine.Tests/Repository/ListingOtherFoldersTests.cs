using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// A repository's one listing names the folders it leaves out beside the snapshots it lists (what Get-MongoSnapshot says
/// of a folder that is no repository): no second pass over the store, no manifest read again.
/// </summary>
public sealed class ListingOtherFoldersTests
{
    [Fact]
    public async Task A_mongodump_directory_lists_no_snapshot_and_names_its_database_folders_in_one_listing()
    {
        using var folder = new TempFolder();
        foreach (var database in new[] { "shop", "crm" })
        {
            Directory.CreateDirectory(Path.Combine(folder.Path, database));
            File.WriteAllBytes(Path.Combine(folder.Path, database, "orders.bson"), []);
        }
        var repository = new MeteredRepository(new FolderRepository(folder.Path));
        // The store itself: each listing of the repository's root opens that folder once (inotify, IN_OPEN).
        using var rootOpens = new FileOpenCounter(folder.Path);

        var listing = await repository.ListWithOtherFoldersAsync(CancellationToken.None);

        Assert.Empty(listing.Snapshots);
        Assert.Equal(["crm", "shop"], listing.OtherFolders);
        Assert.Equal(1, repository.Lists);
        Assert.Equal(1, rootOpens.Opens);
        Assert.Empty(repository.ManifestReads);
    }

    [Fact]
    public async Task Snapshots_are_listed_and_an_export_beside_them_is_named_apart()
    {
        using var folder = new TempFolder();
        var inner = new FolderRepository(folder.Path);
        var snapshot = await WriteAsync(inner, "20260101T000000Z-full-aaaa", 3);
        Directory.CreateDirectory(Path.Combine(folder.Path, "export", "shop"));
        var repository = new MeteredRepository(inner);

        var listing = await repository.ListWithOtherFoldersAsync(CancellationToken.None);

        Assert.Equal([snapshot.Id], listing.Snapshots.Select(s => s.SnapshotId));
        Assert.NotNull(Assert.Single(listing.Snapshots).Manifest);
        Assert.Equal(["export"], listing.OtherFolders);
        Assert.Equal(1, repository.Lists);
        // The plain listing is the same pass: the same snapshots, the export left out.
        var listed = new List<ManifestReadResult>();
        await foreach (var result in inner.ListAsync(CancellationToken.None)) listed.Add(result);
        Assert.Equal(listing.Snapshots.Select(s => s.SnapshotId), listed.Select(s => s.SnapshotId));
    }

    [Fact]
    public async Task An_empty_folder_has_neither()
    {
        using var folder = new TempFolder();
        var listing = await new FolderRepository(folder.Path).ListWithOtherFoldersAsync(CancellationToken.None);
        Assert.Empty(listing.Snapshots);
        Assert.Empty(listing.OtherFolders);
    }
}
