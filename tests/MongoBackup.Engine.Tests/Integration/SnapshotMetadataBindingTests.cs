using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The manifest binds each metadata file to the collection it records. A metadata file that names another collection
/// (tampered, with the manifest's size and SHA-256 made to match as an attacker would) fails its own namespace, named,
/// instead of restoring its documents into the other collection; the other collection restores exactly.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class SnapshotMetadataBindingTests(MongoServerFixture server)
{
    [Fact]
    public async Task Metadata_naming_another_collection_fails_its_own_namespace_and_the_other_restores_exactly()
    {
        var database = TestDatabases.NewName("bind");
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("a").InsertManyAsync(Enumerable.Range(0, 3).Select(i => new BsonDocument("_id", i)));
        await db.GetCollection<BsonDocument>("b").InsertManyAsync(Enumerable.Range(10, 2).Select(i => new BsonDocument("_id", i)));
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, Repository = repository,
            Compression = Compression.None, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        var metadataPath = $"{database}/b.metadata.json";
        var file = repository.LocalPath(manifest.Id, metadataPath)!;
        var tampered = (await File.ReadAllTextAsync(file)).Replace("\"collectionName\":\"b\"", "\"collectionName\":\"a\"");
        Assert.Contains("\"collectionName\":\"a\"", tampered);
        await File.WriteAllTextAsync(file, tampered);
        ManifestTampering.Reseal(repository.LocalPath(manifest.Id, SnapshotManifest.FileName)!, metadataPath, await File.ReadAllBytesAsync(file));

        var target = TestDatabases.NewName("bind_r");
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Snapshot = new RepositorySnapshot(repository, manifest.Id), Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal($"{target}.b", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains($"{manifest.Id}/{metadataPath}", failure.Error.Message);
        Assert.Contains("'a'", failure.Error.Message);
        var a = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("a").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal([0, 1, 2], a.Select(d => d["_id"].AsInt32).Order());
        Assert.DoesNotContain("b", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
    }
}
