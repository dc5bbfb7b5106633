using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Housekeeping;

/// <summary>
/// A removal the file system refuses half-way (a file it may not delete) is RepositoryNotWritable naming the file and
/// what to check, never UnexpectedError; the manifest went first, so what it leaves is listed as an incomplete snapshot,
/// never as a complete one with files missing, and the removal run again once the file can go finishes it.
/// </summary>
public sealed class UndeletableFileRemovalTests
{
    [Fact]
    public async Task A_file_the_system_will_not_delete_is_named_and_what_is_left_lists_as_incomplete()
    {
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var manifest = await WriteAsync(repository, "20260101T000000Z-full-perm", 10);
        var dataFile = repository.LocalPath(manifest.Id, manifest.Files[1].Path)!;
        var manifestFile = repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!;

        MongoBackupException refused;
        using (var undeletable = new UndeletableFile(dataFile))
        {
            refused = await Assert.ThrowsAsync<MongoBackupException>(() =>
                new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [manifest.Id], force: false, CancellationToken.None));
            Assert.True(File.Exists(dataFile), $"the file was deleted although it was made undeletable ({undeletable.How})");
        }

        Assert.Equal(ErrorIds.RepositoryNotWritable, refused.ErrorId);
        Assert.Equal(dataFile, refused.Target);
        Assert.Contains($"Cannot remove snapshot {manifest.Id} from {repository.Location}: {dataFile} cannot be deleted", refused.Message);
        Assert.Contains("Part of it was removed, its manifest first", refused.Message);
        Assert.Contains("Check that the account running this may delete files", refused.Message);
        // Manifest first: what is left is an incomplete snapshot, still listed (so it can be removed), never a complete one.
        Assert.False(File.Exists(manifestFile));
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
        var left = await repository.ReadManifestAsync(manifest.Id, CancellationToken.None);
        Assert.NotNull(left);
        Assert.Null(left.Manifest);

        // Once the file may go, the same removal finishes the job.
        await new SnapshotRemover(new RecordingObserver()).RemoveAsync(repository, [manifest.Id], force: false, CancellationToken.None);
        Assert.False(Directory.Exists(repository.LocalPath(manifest.Id, "")));
    }

    /// <summary>
    /// A file the system refuses to delete: its folder's write bits taken (chmod a-w), which stops an ordinary account; root,
    /// whom permissions do not stop, makes the file immutable instead (chattr +i). Neither holding fails the test, naming why.
    /// Disposing makes it deletable again.
    /// </summary>
    private sealed class UndeletableFile : IDisposable
    {
        private const UnixFileMode Writable = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        private readonly string _path;
        private readonly string _folder;
        private readonly bool _immutable;

        public UndeletableFile(string path)
        {
            _path = path;
            _folder = Path.GetDirectoryName(path)!;
            File.SetUnixFileMode(_folder, File.GetUnixFileMode(_folder) & ~Writable);
            if (!CanCreateIn(_folder))
            {
                How = "chmod a-w on its folder";
                return;
            }
            _immutable = Chattr("+i");
            Assert.True(_immutable, "neither chmod (running as root) nor chattr +i could make a file undeletable here");
            How = "chattr +i (running as root, which chmod does not stop)";
        }

        public string How { get; }

        public void Dispose()
        {
            if (_immutable) Chattr("-i");
            File.SetUnixFileMode(_folder, File.GetUnixFileMode(_folder) | UnixFileMode.UserWrite);
        }

        private static bool CanCreateIn(string folder) => FileSystemRefusals.CanCreateIn(folder);

        private bool Chattr(string change) => FileSystemRefusals.Chattr(change, _path);
    }
}
