using System.Security.Cryptography;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Model;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Repository;

public sealed class FolderRepositoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mongobackup-repo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_written_file_reports_its_size_and_sha256()
    {
        var repo = new FolderRepository(_root);
        var content = RandomNumberGenerator.GetBytes(100_000);
        SnapshotFileWriter writer;
        await using (writer = await repo.CreateFileAsync("s1", "shop/orders.bson", default))
        {
            await writer.WriteAsync(content.AsMemory(0, 60_000));
            writer.Write(content, 60_000, 40_000);
        }
        Assert.Equal(new ManifestFile("shop/orders.bson", 100_000, Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(), ManifestFileKind.Data), writer.Entry);
        Assert.Equal(content, await File.ReadAllBytesAsync(repo.LocalPath("s1", "shop/orders.bson")!));

        await using var read = await repo.OpenReadAsync("s1", "shop/orders.bson", default);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Theory]
    [InlineData("shop/orders.bson.gz", ManifestFileKind.Data)]
    [InlineData("shop/orders.metadata.json.zst", ManifestFileKind.Metadata)]
    [InlineData("oplog.bson.gz", ManifestFileKind.Oplog)]
    [InlineData("local/oplog.bson", ManifestFileKind.Data)]
    public void Files_are_classified_by_their_mongodump_name(string path, ManifestFileKind kind) =>
        Assert.Equal(kind, SnapshotFileWriter.ClassifyByName(path));

    [Fact]
    public async Task A_snapshot_exists_only_once_its_manifest_is_committed()
    {
        var repo = new FolderRepository(_root);
        var manifest = SnapshotManifestTests.Sample("20261124T221500Z-full-0001");
        await using (var w = await repo.CreateFileAsync(manifest.Id, "shop/orders.bson", default))
            w.Write(new BsonDocument("_id", 1).ToBson());

        // A backup that crashed here left files but no manifest: the snapshot lists as incomplete.
        var before = Assert.Single(await repo.ListAsync(default).ToListAsync());
        Assert.False(before.IsComplete);
        Assert.Equal(manifest.Id, before.SnapshotId);
        Assert.Contains("did not finish", before.Error);
        Assert.False(File.Exists(Path.Combine(_root, manifest.Id, "manifest.json")));

        await repo.CommitManifestAsync(manifest, default);
        var after = Assert.Single(await repo.ListAsync(default).ToListAsync());
        Assert.True(after.IsComplete);
        Assert.Equal(manifest.Serialize(), after.Manifest!.Serialize());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, manifest.Id), "*.tmp"));
    }

    [Fact]
    public async Task A_crash_while_writing_the_manifest_leaves_the_snapshot_incomplete()
    {
        var repo = new FolderRepository(_root);
        var folder = Directory.CreateDirectory(Path.Combine(_root, "20261124T221500Z-full-0002")).FullName;
        // What a process killed mid-commit leaves: a temp file, never a half-written manifest.json.
        File.WriteAllText(Path.Combine(folder, "manifest.json.tmp"), "{\"id\":\"20261124T221500Z-fu");
        var listed = Assert.Single(await repo.ListAsync(default).ToListAsync());
        Assert.False(listed.IsComplete);
        Assert.Equal(ManifestState.Missing, listed.State);
        Assert.Contains("manifest.json.tmp but no manifest.json", listed.Error);

        // The next commit replaces the leftover.
        await repo.CommitManifestAsync(SnapshotManifestTests.Sample("20261124T221500Z-full-0002"), default);
        Assert.True(Assert.Single(await repo.ListAsync(default).ToListAsync()).IsComplete);
    }

    [Fact]
    public async Task One_unreadable_manifest_does_not_hide_the_other_snapshots()
    {
        var repo = new FolderRepository(_root);
        await repo.CommitManifestAsync(SnapshotManifestTests.Sample("20261124T000000Z-full-aaaa"), default);
        await repo.CommitManifestAsync(SnapshotManifestTests.Sample("20261126T000000Z-full-cccc"), default);
        var broken = Directory.CreateDirectory(Path.Combine(_root, "20261125T000000Z-full-bbbb")).FullName;
        File.WriteAllText(Path.Combine(broken, "manifest.json"), "{ this is not json");

        var listed = await repo.ListAsync(default).ToListAsync();
        Assert.Equal(["20261124T000000Z-full-aaaa", "20261125T000000Z-full-bbbb", "20261126T000000Z-full-cccc"], listed.Select(l => l.SnapshotId));
        Assert.True(listed[0].IsComplete);
        Assert.False(listed[1].IsComplete);
        Assert.Equal(ManifestState.Damaged, listed[1].State);
        Assert.Contains(Path.Combine(broken, "manifest.json"), listed[1].Error);
        Assert.True(listed[2].IsComplete);
    }

    [Fact]
    public async Task A_committed_snapshot_folder_is_a_mongodump_directory()
    {
        var repo = new FolderRepository(_root);
        const string id = "20261124T221500Z-full-0003";
        await using (var data = await repo.CreateFileAsync(id, DumpLayout.DataFile("shop", "orders", Compression.Gzip), default))
        await using (var gzip = CompressionCodec.WrapForWrite(data, Compression.Gzip))
            for (var i = 0; i < 3; i++) gzip.Write(new BsonDocument("_id", i).ToBson());
        await using (var meta = await repo.CreateFileAsync(id, DumpLayout.MetadataFile("shop", "orders", Compression.Gzip), default))
        await using (var gzip = CompressionCodec.WrapForWrite(meta, Compression.Gzip))
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(new CollectionMetadata { CollectionName = "orders" }.ToDumpJson()));
        await repo.CommitManifestAsync(SnapshotManifestTests.Sample(id), default);

        await using var reader = DumpReaders.Open(Path.Combine(_root, id));
        var orders = Assert.Single(reader.Namespaces);
        Assert.Equal("shop.orders", orders.FullName);
        var count = 0;
        await reader.ReadAsync([orders], async (_, docs) => { await foreach (var d in docs) count++; }, 1, default);
        Assert.Equal(3, count);
    }

    [Fact]
    public async Task Deleting_a_snapshot_removes_its_folder()
    {
        var repo = new FolderRepository(_root);
        await repo.CommitManifestAsync(SnapshotManifestTests.Sample("20261124T221500Z-full-0004"), default);
        await repo.DeleteSnapshotAsync("20261124T221500Z-full-0004", default);
        Assert.Empty(await repo.ListAsync(default).ToListAsync());
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => repo.DeleteSnapshotAsync("20261124T221500Z-full-0004", default));
        Assert.Contains("20261124T221500Z-full-0004", error.Message);
    }

    [Theory]
    [InlineData("s1", "../escape.bson")]
    [InlineData("s1", "/etc/passwd")]
    [InlineData("../s1", "a.bson")]
    public async Task Paths_outside_the_snapshot_are_refused(string id, string relative)
    {
        var repo = new FolderRepository(_root);
        await Assert.ThrowsAsync<ArgumentException>(() => repo.CreateFileAsync(id, relative, default));
    }

    [Fact]
    public void The_repository_folder_is_created_and_an_unusable_path_is_reported()
    {
        var nested = Path.Combine(_root, "a", "b");
        Assert.Equal(nested, new FolderRepository(nested).Location);
        Assert.True(Directory.Exists(nested));

        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "");
        var error = Assert.Throws<MongoBackupException>(() => new FolderRepository(Path.Combine(file, "repo")));
        Assert.Equal(ErrorIds.RepositoryNotWritable, error.ErrorId);
        Assert.Contains(Path.Combine(file, "repo"), error.Message);
    }

    [Fact]
    public async Task A_reservation_the_disk_refuses_leaves_no_folder_and_the_next_one_works()
    {
        const string id = "20261130T120000Z-full-00aa";
        var storage = new MarkerRefusingStorage(id);
        var repo = new FolderRepository(_root, storage);

        // The marker is created, then its flush finds the disk full (as NFS or delayed allocation report it at fsync).
        var error = await Assert.ThrowsAsync<IOException>(() => repo.TryReserveAsync(id, default));

        Assert.Equal(28, error.HResult);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root)); // no snapshot folder that lists as unfinished
        var listed = new List<ManifestReadResult>();
        await foreach (var found in repo.ListAsync(default)) listed.Add(found);
        Assert.Empty(listed);
        storage.Refuse = false;
        Assert.True(await repo.TryReserveAsync(id, default)); // the id was never taken
    }

    /// <summary>
    /// Stable storage that refuses, with ENOSPC while <see cref="Refuse"/> is set, to flush any file written into a
    /// snapshot's folder (the marker, or the temporary file it is written as before its rename).
    /// </summary>
    private sealed class MarkerRefusingStorage(string snapshotId) : MongoBackup.Engine.Storage.StableStorage
    {
        public bool Refuse { get; set; } = true;

        public override void FlushFile(FileStream file)
        {
            if (Refuse && Path.GetFileName(Path.GetDirectoryName(file.Name)) == snapshotId) throw new IOException("No space left on device", 28);
            base.FlushFile(file);
        }
    }

    [Fact]
    public async Task Reading_a_missing_file_names_the_snapshot_and_file()
    {
        var repo = new FolderRepository(_root);
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => repo.OpenReadAsync("s9", "db/c.bson", default));
        Assert.Contains("s9", error.Message);
        Assert.Contains("db/c.bson", error.Message);
    }
    /// <summary>
    /// Found by a breaker: a removal deleted the manifest, then every blob in ordinal order, so the marker of a snapshot whose
    /// id is not of a backup's form (a copy keeps its source's id, "nightly") went before its data; a removal cut short there
    /// (Ctrl+C, a file that could not be deleted, a failed DELETE on an object store) left files that no listing showed and
    /// no removal could reach. The marker now goes last: what a cut removal leaves is listed and can be removed again.
    /// </summary>
    [Fact]
    public async Task A_removal_cut_short_leaves_a_copied_snapshot_that_is_still_listed_and_can_be_removed()
    {
        const string Id = "nightly"; // a copy's id: its source's folder name
        var repository = new FolderRepository(_root);
        Assert.True(await repository.TryReserveAsync(Id, default));
        foreach (var name in new[] { "a/first.bson", "shop/orders.bson" })
        {
            var writer = await repository.CreateFileAsync(Id, name, default);
            await using (writer) await writer.WriteAsync(RandomNumberGenerator.GetBytes(3000));
        }
        await repository.CommitManifestAsync(new SnapshotManifest
        {
            Id = Id, Kind = SnapshotKind.Full, Status = SnapshotStatus.Complete, ToolVersion = "test",
            StartTime = DateTimeOffset.UtcNow.AddMinutes(-1), EndTime = DateTimeOffset.UtcNow,
        }, default);

        var blobs = (await repository.ListFilesAsync(Id, default))!.Select(name => SnapshotBlobLayout.FileName(Id, name));
        var order = BlobStoreRepository.DeletionOrder(Id, blobs).Select(name => name[SnapshotBlobLayout.SnapshotFolder(Id).Length..]).ToList();
        Assert.Equal(["manifest.json", "a/first.bson", "shop/orders.bson", SnapshotFolderMarker.FileName], order);

        // The removal cut short after its first two deletions, in that order.
        foreach (var name in order.Take(2)) File.Delete(repository.LocalPath(Id, name)!);
        var listed = new List<ManifestReadResult>();
        await foreach (var result in repository.ListAsync(default)) listed.Add(result);
        Assert.Contains(listed, r => r.SnapshotId == Id && r.State == ManifestState.Missing);

        await new MongoBackup.Engine.Housekeeping.SnapshotRemover(MongoBackup.Engine.Events.NullObserver.Instance)
            .RemoveAsync(repository, [Id], force: true, default);
        Assert.False(Directory.Exists(repository.LocalPath(Id, "")));
    }
}

