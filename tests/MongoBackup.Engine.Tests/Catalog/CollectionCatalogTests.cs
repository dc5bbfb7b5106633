using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Catalog;

/// <summary>What a backup lists on the source: collections, views and time series with their options and indexes, not the server's internals.</summary>
[Collection(MongoServerCollection.Name)]
public sealed class CollectionCatalogTests(MongoServerFixture server)
{
    [Fact]
    public async Task It_lists_each_kind_with_its_options_and_indexes_and_leaves_internal_collections_out()
    {
        var name = TestDatabases.NewName("catalog");
        var db = server.Client.GetDatabase(name);
        await db.CreateCollectionAsync("orders", new CreateCollectionOptions { Capped = true, MaxSize = 1 << 20 });
        await db.GetCollection<BsonDocument>("orders").Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(new BsonDocument("customer", 1), new CreateIndexOptions { Name = "by_customer" }));
        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "weather" }, { "timeseries", new BsonDocument("timeField", "at") } });
        await db.CreateViewAsync<BsonDocument, BsonDocument>("big_orders", "orders", new EmptyPipelineDefinition<BsonDocument>());
        await db.GetCollection<BsonDocument>("system.js").InsertOneAsync(new BsonDocument("_id", "f"));

        var listed = await CollectionCatalog.ListAsync(server.Client, new NamespaceFilter(databases: [name]), CancellationToken.None);

        Assert.Equal(["big_orders", "orders", "system.js", "weather"], listed.Select(c => c.Name));
        var orders = listed.Single(c => c.Name == "orders");
        Assert.Equal((CollectionKind.Collection, "collection", true), (orders.Kind, orders.TypeName, orders.Options["capped"].AsBoolean));
        Assert.Equal(["_id_", "by_customer"], orders.Indexes.Select(i => i["name"].AsString).Order(StringComparer.Ordinal));
        var weather = listed.Single(c => c.Name == "weather");
        Assert.Equal((CollectionKind.Timeseries, "system.buckets.weather"), (weather.Kind, weather.DataCollection));
        var view = listed.Single(c => c.Name == "big_orders");
        Assert.Equal((CollectionKind.View, false, "orders"), (view.Kind, view.HasData, view.Options["viewOn"].AsString));
    }

    [Fact]
    public async Task A_database_named_without_wildcards_that_does_not_exist_is_refused_listing_those_that_do()
    {
        var present = TestDatabases.NewName("present");
        await server.Client.GetDatabase(present).GetCollection<BsonDocument>("c").InsertOneAsync(new BsonDocument("_id", 1));

        var error = await Assert.ThrowsAsync<MongoBackupException>(() =>
            CollectionCatalog.ListAsync(server.Client, new NamespaceFilter(databases: ["no_such_db", present]), CancellationToken.None));

        Assert.Equal(ErrorIds.DatabaseNotFound, error.ErrorId);
        Assert.Equal("no_such_db", error.Target);
        Assert.StartsWith("Database 'no_such_db' does not exist on the server (it has: ", error.Message);
        Assert.Contains(present, error.Message);
        var two = await Assert.ThrowsAsync<MongoBackupException>(() =>
            CollectionCatalog.ListAsync(server.Client, new NamespaceFilter(databases: ["no_such_db", "nor_this"]), CancellationToken.None));
        Assert.StartsWith("Databases 'no_such_db', 'nor_this' do not exist on the server (it has: ", two.Message);
        // A wildcard that matches nothing is no error: it selects nothing.
        Assert.Empty(await CollectionCatalog.ListAsync(server.Client, new NamespaceFilter(databases: ["no_such_*"]), CancellationToken.None));
    }
}
