using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A restore without -Drop keeps an existing empty target collection as it is: one whose options (capped, collation)
/// or indexes differ from the backup's would hold the backup's documents as another collection than the one backed up
/// (no longer capped, comparing strings otherwise) or fail at its indexes once the documents are in. Such a target is
/// refused before anything is written to it, naming each difference, and -WhatIf says the same; one with the
/// backup's own options and indexes is filled.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ExistingTargetTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _folder = new();
    private static readonly BsonDocument Collation = new() { { "locale", "en" }, { "strength", 2 } };
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task An_empty_plain_collection_where_the_backup_has_a_capped_or_collated_one_is_refused_before_writing()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("shape_r");
        await Db(target).CreateCollectionAsync("auditlog");
        await Db(target).CreateCollectionAsync("customers");
        var request = Request(repository, id, database, target);

        var planned = await TargetCheck.CheckAsync(request, await RestoreRunner.PlanAsync(request, CancellationToken.None), CancellationToken.None);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        foreach (var refusals in new[] { planned.Where(p => p.Refusal is not null).Select(p => p.Refusal!), observer.Failures.Select(f => f.Error) })
        {
            Assert.Equal(2, refusals.Count());
            Assert.All(refusals, r => Assert.Equal(ErrorIds.TargetIncompatible, r.ErrorId));
            var audit = Assert.Single(refusals, r => r.Message.Contains($"{target}.auditlog", StringComparison.Ordinal)).Message;
            Assert.Contains("capped: true in the backup, false on the target", audit);
            Assert.Contains("size: 8192 in the backup, none on the target", audit);
            Assert.Contains("-Drop", audit);
            var customers = Assert.Single(refusals, r => r.Message.Contains($"{target}.customers", StringComparison.Ordinal)).Message;
            Assert.Contains("collation: { \"locale\" : \"en\", \"strength\" : 2", customers);
            Assert.Contains("none on the target", customers);
        }
        // Nothing was written to them, and they keep what they were; the rest was restored.
        Assert.Equal(0, await CountAsync(target, "auditlog"));
        Assert.Equal(0, await CountAsync(target, "customers"));
        Assert.False((await OptionsAsync(target, "auditlog")).Contains("capped"));
        Assert.Equal(20, await CountAsync(target, "orders"));
    }

    [Fact]
    public async Task An_empty_collection_with_the_backups_own_options_and_indexes_is_filled()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("shape_same");
        await Db(target).RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "auditlog" }, { "capped", true }, { "size", 8192 } });
        await Db(target).RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "customers" }, { "collation", Collation } });
        await Db(target).GetCollection<BsonDocument>("orders").Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("orderNo", 1), new CreateIndexOptions { Name = "orderNo_unique", Unique = true }));
        var request = Request(repository, id, database, target);

        var planned = await TargetCheck.CheckAsync(request, await RestoreRunner.PlanAsync(request, CancellationToken.None), CancellationToken.None);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        Assert.All(planned, p => Assert.Null(p.Refusal));
        Assert.True(outcome.Succeeded, string.Join("; ", observer.Failures.Select(f => f.Error.Message)));
        Assert.Equal(30, await CountAsync(target, "auditlog"));
        Assert.Equal(10, await CountAsync(target, "customers"));
        Assert.Equal(20, await CountAsync(target, "orders"));
    }

    [Fact]
    public async Task An_existing_index_whose_name_the_backup_uses_for_another_key_refuses_the_target_before_its_documents_go_in()
    {
        var (database, repository, id) = await SnapshotAsync();
        var target = TestDatabases.NewName("shape_idx");
        await Db(target).GetCollection<BsonDocument>("orders").Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("customer", 1), new CreateIndexOptions { Name = "orderNo_unique" }));
        var request = Request(repository, id, database, target);

        var planned = await TargetCheck.CheckAsync(request, await RestoreRunner.PlanAsync(request, CancellationToken.None), CancellationToken.None);
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(request, CancellationToken.None);

        foreach (var refusal in new[] { Assert.Single(planned, p => p.Refusal is not null).Refusal!, Assert.Single(observer.Failures).Error })
        {
            Assert.Equal(ErrorIds.TargetIncompatible, refusal.ErrorId);
            Assert.Contains($"{target}.orders", refusal.Message);
            Assert.Contains("index orderNo_unique", refusal.Message);
            Assert.Contains("another key", refusal.Message);
        }
        Assert.False(outcome.Succeeded);
        Assert.Equal(0, await CountAsync(target, "orders"));
        Assert.Equal(10, await CountAsync(target, "customers"));
    }

    /// <summary>A snapshot of a capped auditlog (8 KiB), customers with an en/strength-2 collation, orders with a unique index.</summary>
    private async Task<(string Database, FolderRepository Repository, string Id)> SnapshotAsync()
    {
        var database = TestDatabases.NewName("shape_s");
        await Db(database).RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "auditlog" }, { "capped", true }, { "size", 8192 } });
        await Db(database).RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "customers" }, { "collation", Collation } });
        await Db(database).GetCollection<BsonDocument>("auditlog").InsertManyAsync(Enumerable.Range(0, 30).Select(i => new BsonDocument("_id", i)));
        await Db(database).GetCollection<BsonDocument>("customers").InsertManyAsync(Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "name", $"N{i}" } }));
        var orders = Db(database).GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(Enumerable.Range(0, 20).Select(i => new BsonDocument { { "_id", i }, { "orderNo", i }, { "customer", i % 10 } }));
        await orders.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("orderNo", 1), new CreateIndexOptions { Name = "orderNo_unique", Unique = true }));
        var repository = new FolderRepository(_folder.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        return (database, repository, manifest.Id);
    }

    private RestoreRequest Request(FolderRepository repository, string id, string database, string target) => new()
    {
        Connection = Connection, Snapshot = new RepositorySnapshot(repository, id), Map = new NamespaceMap().AddDatabaseRename(database, target),
    };

    private IMongoDatabase Db(string name) => server.Client.GetDatabase(name);

    private Task<long> CountAsync(string database, string collection) =>
        Db(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);

    private async Task<BsonDocument> OptionsAsync(string database, string collection)
    {
        using var cursor = await Db(database).ListCollectionsAsync(new ListCollectionsOptions { Filter = new BsonDocument("name", collection) });
        return (await cursor.FirstAsync())["options"].AsBsonDocument;
    }
}
