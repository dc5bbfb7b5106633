using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>On Linux and macOS a folder repository's snapshot folders and files are readable by their owner only.</summary>
public sealed class OwnerOnlyPermissionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mongobackup-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Snapshot_folders_and_files_are_created_for_their_owner_only()
    {
        if (OperatingSystem.IsWindows()) return; // Windows protects them with the folder's ACL instead
        var repository = new FolderRepository(Path.Combine(_root, "repo"));
        await using (var writer = await repository.CreateFileAsync("snap-1", "sales/orders.bson", CancellationToken.None))
            await writer.WriteAsync(new byte[] { 5, 0, 0, 0, 0 });
        await repository.CommitManifestAsync(new SnapshotManifest { Id = "snap-1" }, CancellationToken.None);

        const UnixFileMode group = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
        const UnixFileMode other = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        foreach (var folder in new[] { "repo", "repo/snap-1", "repo/snap-1/sales" })
            Assert.True((File.GetUnixFileMode(Path.Combine(_root, folder)) & (group | other)) == 0, $"{folder}: {File.GetUnixFileMode(Path.Combine(_root, folder))}");
        foreach (var file in new[] { "repo/snap-1/sales/orders.bson", "repo/snap-1/manifest.json" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, file)));
    }
}
