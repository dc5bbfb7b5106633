using MongoBackup.Engine.Storage;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Housekeeping;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// A snapshot whose manifest exists has every file on stable storage: each file is flushed as it closes, then the
/// folders naming them, then the manifest is written under a temporary name, flushed and renamed into place, then the
/// folder holding it is flushed. (Which temporary name is the blob store's detail: the order is what is checked.)
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
        /// <summary>Every writeback started, with how many flushes were recorded before it.</summary>
        public List<(string Path, long Offset, long Count, int FlushesBefore)> Writebacks { get; } = [];

        public override void StartWriteback(FileStream file, long offset, long count)
        {
            Writebacks.Add((file.Name, offset, count, Flushes.Count));
            base.StartWriteback(file, offset, count);
        }

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
        // The marker is the snapshot's first file: written under a temporary name, flushed, renamed in, its folder flushed.
        Assert.True(IsTemporary(flushes[0], snapshotFolder), $"the first flush is {flushes[0]}");
        Assert.Equal(("folder", snapshotFolder, false), flushes[1]);
        Assert.True(File.Exists(Path.Combine(snapshotFolder, SnapshotFolderMarker.FileName)));
        // Then each data and metadata file as it closed.
        foreach (var file in manifest.Files)
        {
            var at = flushes.FindIndex(f => f.What == "file" && f.Path == repository.LocalPath(id, file.Path));
            Assert.True(at > 1, $"{file.Path} was never flushed, or before the marker");
            Assert.False(flushes[at].ManifestVisible);
        }
        var lastDataFile = flushes.FindLastIndex(f => f.What == "file" && !IsTemporary(f, snapshotFolder));
        // Then the folders naming them, deepest first, up to the repository's, before the manifest is written.
        var folders = flushes.Select((f, i) => (f, i)).Where(x => x.i > lastDataFile && x.f.What == "folder" && !x.f.ManifestVisible).ToList();
        Assert.Equal([Path.Combine(snapshotFolder, "shop"), snapshotFolder, repository.Location], folders.Select(x => x.f.Path));
        var temp = flushes.FindLastIndex(f => IsTemporary(f, snapshotFolder));
        Assert.True(temp > folders[^1].i);
        Assert.False(flushes[temp].ManifestVisible);
        // Last: the folder that holds the renamed manifest, once it is there.
        Assert.Equal(("folder", snapshotFolder, true), flushes[^1]);
        Assert.Single(flushes, f => f.ManifestVisible);
    }

    /// <summary>A file flushed under the store's temporary name in the snapshot's folder (a marker or manifest before its rename).</summary>
    private static bool IsTemporary((string What, string Path, bool ManifestVisible) flush, string snapshotFolder) =>
        flush.What == "file" && Path.GetDirectoryName(flush.Path) == snapshotFolder &&
        Path.GetFileName(flush.Path).StartsWith(IBlobStore.ReservedPrefix, StringComparison.Ordinal);

    [Fact]
    public async Task A_large_file_goes_to_writeback_as_it_is_written_and_is_still_flushed_once_when_it_closes()
    {
        var storage = new RecordingStorage();
        var store = new FolderBlobStore(_folder.Path, writable: true, storage);
        var chunk = new byte[1 << 20];
        var expected = new MemoryStream();
        await using (var stream = await store.OpenWriteAsync("snap/data.bson", CancellationToken.None))
        {
            for (var i = 0; i < 20; i++)
            {
                Array.Fill(chunk, (byte)i);
                // Both write paths a writer uses: asynchronous (the backup's) and synchronous.
                if (i % 2 == 0) await stream.WriteAsync(chunk);
                else stream.Write(chunk, 0, chunk.Length);
                expected.Write(chunk);
            }
            Assert.Empty(storage.Flushes); // nothing waited for the device while writing
        }

        var path = Path.Combine(_folder.Path, "snap", "data.bson");
        Assert.Equal(expected.ToArray(), await File.ReadAllBytesAsync(path));
        // Handed to writeback every 8 MiB, in ranges that leave no gap from the file's start to the last step...
        Assert.Equal(2, storage.Writebacks.Count);
        Assert.All(storage.Writebacks, w => Assert.Equal(path, w.Path));
        Assert.Equal(0, storage.Writebacks[0].Offset);
        for (var i = 1; i < storage.Writebacks.Count; i++)
            Assert.True(storage.Writebacks[i].Offset <= storage.Writebacks[i - 1].Offset + storage.Writebacks[i - 1].Count);
        Assert.Equal(16L << 20, storage.Writebacks[^1].Offset + storage.Writebacks[^1].Count);
        // ...and still flushed whole (fsync) when it closed, after every writeback: the guarantee is the flush's alone.
        Assert.Equal([("file", path, false)], storage.Flushes);
        Assert.All(storage.Writebacks, w => Assert.Equal(0, w.FlushesBefore));
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
