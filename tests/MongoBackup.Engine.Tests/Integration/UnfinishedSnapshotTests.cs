using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A snapshot folder without its manifest is a backup that never finished: given to a restore as -Path it is refused,
/// naming why, and nothing is written (it used to restore as a plain mongodump folder with part of the data).
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class UnfinishedSnapshotTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _repo = new();

    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public void Dispose() => _repo.Dispose();

    private async Task<(string Folder, string Database)> BackUpAsync()
    {
        var database = TestDatabases.NewName("unfinished");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("a").InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("b").InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", i)));
        var repository = new FolderRepository(_repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        await server.Client.DropDatabaseAsync(database);
        return (repository.LocalPath(manifest.Id, "")!, database);
    }

    private async Task<MongoBackupException> RestoreRefusedAsync(string folder, string database)
    {
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = folder,
        }, CancellationToken.None));
        Assert.Equal(ErrorIds.SnapshotNotFound, error.ErrorId);
        Assert.Contains(folder, error.Message);
        Assert.Contains("never finished", error.Message);
        Assert.DoesNotContain(database, MongoDB.Driver.IAsyncCursorExtensions.ToList(await server.Client.ListDatabaseNamesAsync()));
        // -WhatIf planning refuses the same way.
        await Assert.ThrowsAsync<MongoBackupException>(() => RestoreRunner.PlanAsync(new RestoreRequest { Connection = Connection, SourcePath = folder }, CancellationToken.None));
        return error;
    }

    [Fact]
    public async Task A_snapshot_folder_without_manifest_json_is_refused_by_its_marker()
    {
        var (folder, database) = await BackUpAsync();
        Assert.True(File.Exists(Path.Combine(folder, SnapshotFolderMarker.FileName)));
        // What the marker says to someone who opens it: which snapshot, whose, since when, and what it means.
        using (var marker = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SnapshotFolderMarker.FileName))))
        {
            var root = marker.RootElement;
            Assert.Equal(Path.GetFileName(folder), root.GetProperty("snapshotId").GetString());
            Assert.Equal("MongoBackup", root.GetProperty("tool").GetString());
            Assert.InRange(root.GetProperty("started").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow);
            Assert.Contains(SnapshotManifest.FileName, root.GetProperty("meaning").GetString());
        }
        File.Delete(Path.Combine(folder, SnapshotManifest.FileName)); // the input: no manifest.json

        var error = await RestoreRefusedAsync(folder, database);

        Assert.Contains(SnapshotFolderMarker.FileName, error.Message);
    }

    [Fact]
    public async Task A_snapshot_folder_with_only_manifest_json_tmp_is_refused_naming_it()
    {
        var (folder, database) = await BackUpAsync();
        File.Move(Path.Combine(folder, SnapshotManifest.FileName), Path.Combine(folder, SnapshotManifest.TempFileName)); // the input

        var error = await RestoreRefusedAsync(folder, database);

        Assert.Contains("manifest.json.tmp but no manifest.json", error.Message);
    }

    [Fact]
    public async Task An_unfinished_snapshot_made_before_the_marker_is_known_by_its_name()
    {
        var (folder, database) = await BackUpAsync();
        File.Delete(Path.Combine(folder, SnapshotManifest.FileName));
        File.Delete(Path.Combine(folder, SnapshotFolderMarker.FileName));

        var error = await RestoreRefusedAsync(folder, database);

        Assert.Contains("named like a MongoBackup snapshot", error.Message);
    }

    [Fact]
    public async Task The_same_files_copied_as_a_plain_mongodump_folder_still_restore()
    {
        var (folder, database) = await BackUpAsync();
        var plain = Path.Combine(_repo.Path, "dump");
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Where(f => Path.GetFileName(f) is not (SnapshotManifest.FileName or SnapshotFolderMarker.FileName)))
        {
            var target = Path.Combine(plain, Path.GetRelativePath(folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest { Connection = Connection, SourcePath = plain }, CancellationToken.None);

        Assert.True(outcome.Succeeded);
        Assert.Equal(40, outcome.Namespaces.Sum(n => n.Documents));
        await server.Client.DropDatabaseAsync(database);
    }
}
