using MongoBackup.Engine.Storage;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Housekeeping;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// A snapshot whose manifest exists has every file on stable storage: each file is flushed as it closes, then the
/// folders naming them, then the manifest is renamed into place, then the folder holding it is flushed.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Every flush in order, each with whether manifest.json existed at that moment; then the real flush.</summary>
    private sealed class RecordingStorage : StableStorage
    {
        public List<(string What, string Path, bool ManifestVisible)> Flushes { get; } = [];
        public string? SnapshotFolder { get; set; }

        public override void FlushFile(FileStream file)
        {
            Flushes.Add(("file", file.Name, ManifestVisible()));
            base.FlushFile(file);
        }

        public override void FlushDirectory(string path)
        {
            Flushes.Add(("folder", path, ManifestVisible()));
            base.FlushDirectory(path);
        }

        private bool ManifestVisible() => SnapshotFolder is not null && File.Exists(global::System.IO.Path.Combine(SnapshotFolder, SnapshotManifest.FileName));
    }

    [Fact]
    public async Task Every_file_then_every_folder_is_flushed_before_the_manifest_appears_and_its_folder_after()
    {
        var storage = new RecordingStorage();
        var repository = new FolderRepository(Path.Combine(_folder.Path, "repo"), storage);
        const string id = "20260101T000000Z-full-0011";
        var snapshotFolder = repository.LocalPath(id, "")!;
        storage.SnapshotFolder = snapshotFolder;

        var manifest = await SnapshotHistory.WriteAsync(repository, id, 50, Compression.Gzip);

        var flushes = storage.Flushes.SkipWhile(f => f.Path == repository.Location || f.Path == _folder.Path).ToList();
        // The marker is the snapshot's first file; then each data and metadata file as it closed.
        Assert.Equal(Path.Combine(snapshotFolder, SnapshotFolderMarker.FileName), flushes[0].Path);
        foreach (var file in manifest.Files)
        {
            var at = flushes.FindIndex(f => f.What == "file" && f.Path == repository.LocalPath(id, file.Path));
            Assert.True(at >= 0, $"{file.Path} was never flushed");
            Assert.False(flushes[at].ManifestVisible);
        }
        var lastDataFile = flushes.FindLastIndex(f => f.What == "file" && !f.Path.EndsWith(SnapshotManifest.TempFileName, StringComparison.Ordinal));
        var folders = flushes.Select((f, i) => (f, i)).Where(x => x.f.What == "folder" && !x.f.ManifestVisible).ToList();
        Assert.Equal([Path.Combine(snapshotFolder, "shop"), snapshotFolder, repository.Location], folders.Select(x => x.f.Path));
        Assert.All(folders, x => Assert.True(x.i > lastDataFile, $"{x.f.Path} was flushed before the files in it"));
        var temp = flushes.FindIndex(f => f.Path == Path.Combine(snapshotFolder, SnapshotManifest.TempFileName));
        Assert.True(temp > folders[^1].i);
        Assert.False(flushes[temp].ManifestVisible);
        // Last: the folder that holds the renamed manifest, once it is there.
        Assert.Equal(("folder", snapshotFolder, true), flushes[^1]);
        Assert.Single(flushes, f => f.ManifestVisible);
    }

    [Fact]
    public void A_folder_flush_really_reaches_the_operating_system_and_names_a_folder_it_cannot_open()
    {
        StableStorage.System.FlushDirectory(_folder.Path);
        if (OperatingSystem.IsWindows()) return; // no folder fsync there
        var missing = Path.Combine(_folder.Path, "missing");
        var error = Assert.Throws<IOException>(() => StableStorage.System.FlushDirectory(missing));
        Assert.Contains(missing, error.Message);
    }
}
