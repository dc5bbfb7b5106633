using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Housekeeping;

public sealed class SnapshotCopierTests : IDisposable
{
    private readonly TempFolder _sourceFolder = new(), _targetFolder = new();
    private readonly FolderRepository _source, _target;

    public SnapshotCopierTests()
    {
        _source = new FolderRepository(_sourceFolder.Path);
        _target = new FolderRepository(_targetFolder.Path);
    }

    public void Dispose()
    {
        _sourceFolder.Dispose();
        _targetFolder.Dispose();
    }

    [Fact]
    public async Task A_copy_has_the_same_files_and_manifest_and_restores_the_same_documents()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-copy", 40);

        var copied = await new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, _target, force: false, CancellationToken.None);

        Assert.Equal(original.Serialize(), (await SnapshotCatalog.FindAsync(_target, original.Id, CancellationToken.None)).Serialize());
        Assert.Equal(original.Id, copied.Id);
        foreach (var file in original.Files)
            Assert.Equal(await File.ReadAllBytesAsync(_source.LocalPath(original.Id, file.Path)!), await File.ReadAllBytesAsync(_target.LocalPath(original.Id, file.Path)!));
        var check = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(_target, original.Id, null, null, CancellationToken.None);
        Assert.True(check.Passed, string.Join("; ", check.Problems));
        Assert.Equal(40, check.Documents);
    }

    [Fact]
    public async Task Copying_onto_an_existing_snapshot_is_refused_unless_forced()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-twice", 5);
        var copier = new SnapshotCopier(new RecordingObserver());
        await copier.CopyAsync(_source, original.Id, _target, force: false, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<MongoBackupException>(() => copier.CopyAsync(_source, original.Id, _target, force: false, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotExists, refused.ErrorId);
        Assert.Contains("-Force", refused.Message);

        await copier.CopyAsync(_source, original.Id, _target, force: true, CancellationToken.None);
        Assert.Single(await SnapshotCatalog.LoadCompleteAsync(_target, CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_source_file_fails_the_copy_naming_the_file_and_leaves_nothing_behind()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-damaged", 30);
        var data = original.Files.Single(f => f.Kind == ManifestFileKind.Data);
        FlipByte(_source.LocalPath(original.Id, data.Path)!, data.Size / 2);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, _target, force: false, CancellationToken.None));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains(data.Path, error.Message);
        Assert.False(Directory.Exists(Path.Combine(_targetFolder.Path, original.Id)));
    }

    [Fact]
    public async Task A_source_file_missing_fails_the_copy_naming_it_and_leaves_nothing_behind()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-missing", 3);
        var metadata = original.Files.Single(f => f.Kind == ManifestFileKind.Metadata);
        File.Delete(_source.LocalPath(original.Id, metadata.Path)!);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, _target, force: false, CancellationToken.None));

        Assert.Equal(ErrorIds.CorruptFile, error.ErrorId);
        Assert.Contains($"'{metadata.Path}'", error.Message);
        Assert.Contains("missing", error.Message);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(_target, CancellationToken.None));
    }

    [Fact]
    public async Task Copying_a_snapshot_onto_its_own_repository_is_refused()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-self", 1);
        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, new FolderRepository(_sourceFolder.Path), force: true, CancellationToken.None));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.NotNull(await SnapshotCatalog.FindAsync(_source, original.Id, CancellationToken.None));
    }

    /// <summary>
    /// The same folder named another way (a trailing separator, "/./", a symbolic link to it): the copy is refused as a
    /// copy onto itself, not (as before) blamed on another run reading the snapshot, which was the copy's own read lease.
    /// </summary>
    [Theory]
    [InlineData("trailing separator")]
    [InlineData("dot segment")]
    [InlineData("symbolic link")]
    public async Task Copying_onto_its_own_repository_under_another_name_is_refused_as_the_same_repository(string how)
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-alias", 1);
        var link = Path.Combine(_targetFolder.Path, "link");
        var alias = how switch
        {
            "trailing separator" => _sourceFolder.Path + Path.DirectorySeparatorChar,
            "dot segment" => Path.Combine(_sourceFolder.Path, ".") + Path.DirectorySeparatorChar + ".",
            _ => Directory.CreateSymbolicLink(link, _sourceFolder.Path).FullName,
        };

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, new FolderRepository(alias), force: true, CancellationToken.None));

        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("cannot be copied onto itself", error.Message, StringComparison.Ordinal);
        Assert.Contains("same repository", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("being read by", error.Message, StringComparison.Ordinal);
        var kept = await SnapshotCatalog.FindAsync(_source, original.Id, CancellationToken.None);
        Assert.Equal(original.Files.Count, kept.Files.Count);
    }

    [Fact]
    public async Task Files_are_written_before_the_manifest_through_the_repository_interface_only()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-order", 10);
        var recording = new RecordingRepository(_target);

        await new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, recording, force: false, CancellationToken.None);

        Assert.Equal(original.Files.Select(f => "create " + f.Path).Append("commit manifest"), recording.Writes);
    }

    [Fact]
    public async Task A_cancelled_copy_leaves_no_partial_snapshot_behind()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-cancel", 10);
        using var stop = new CancellationTokenSource();
        var observer = new CancellingObserver(stop, afterVerboseLines: 2); // cancels as the second file starts

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new SnapshotCopier(observer).CopyAsync(_source, original.Id, _target, force: false, stop.Token));

        Assert.False(Directory.Exists(Path.Combine(_targetFolder.Path, original.Id)));
    }

    [Fact]
    public async Task A_copy_onto_a_full_disk_says_the_destination_is_full_and_leaves_nothing_behind()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-nospace", 200);
        var full = new FullDiskRepository(_target, allowedBytes: 1_000);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, full, force: false, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryFull, error.ErrorId);
        Assert.Contains(_target.Location, error.Message);
        Assert.Contains(original.Id, error.Message);
        Assert.False(Directory.Exists(Path.Combine(_targetFolder.Path, original.Id)));
    }

    [Fact]
    public async Task A_copy_whose_manifest_the_destination_refuses_names_the_destination_and_the_cause()
    {
        var original = await SnapshotHistory.WriteAsync(_source, "20260101T000000Z-full-refused", 20);
        var refusing = new BreakingRepository(_target);

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            new SnapshotCopier(new RecordingObserver()).CopyAsync(_source, original.Id, refusing, force: false, CancellationToken.None));

        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Contains(_target.Location, error.Message);
        Assert.Contains("injected: the store refused the manifest", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_targetFolder.Path, original.Id)));
    }

    private sealed class CancellingObserver(CancellationTokenSource stop, int afterVerboseLines) : MongoBackup.Engine.Events.IEngineObserver
    {
        private int _lines;
        public void Verbose(string message) { if (++_lines == afterVerboseLines) stop.Cancel(); }
        public void Warning(string message) { }
        public void Progress(MongoBackup.Engine.Events.ProgressUpdate update) { }
        public void NamespaceFailed(string ns, MongoBackupException error) { }
    }

    /// <summary>A repository that records the writes made through it, in order, and passes everything on.</summary>
    private sealed class RecordingRepository(ISnapshotRepository inner) : ISnapshotRepository
    {
        public List<string> Writes { get; } = [];
        public string Location => "recording:" + inner.Location;

        public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
        {
            Writes.Add("create " + relativePath);
            return inner.CreateFileAsync(snapshotId, relativePath, ct);
        }

        public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct)
        {
            Writes.Add("commit manifest");
            return inner.CommitManifestAsync(manifest, ct);
        }

        public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) => inner.OpenReadAsync(snapshotId, relativePath, ct);
        public IAsyncEnumerable<ManifestReadResult> ListAsync(CancellationToken ct) => inner.ListAsync(ct);
        public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => inner.DeleteSnapshotAsync(snapshotId, ct);
        public string? LocalPath(string snapshotId, string relativePath) => null;
    }

    internal static void FlipByte(string path, long offset)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }
}
