using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// Unique indexes on a sharded collection through mongos: only the _id index and those starting with the shard key's
/// fields (ShardKeyPattern::isIndexUniquenessCompatible), any other refused with CannotCreateIndex (67).
/// </summary>
public sealed class ShardedUniqueIndexTests
{
    private const string Reason = "the sharded mode is the in-memory server's";

    [InMemoryFact(Reason)]
    public void A_unique_index_must_start_with_the_shard_key_or_be_the_id_index()
    {
        using var fixture = new ClusterFixture();
        fixture.RunAdmin(new BsonDocument { { "shardCollection", "app.items" }, { "key", new BsonDocument("region", 1) } });
        var items = fixture.Mongos.GetDatabase("app").GetCollection<BsonDocument>("items");

        var refused = Assert.Throws<MongoCommandException>(() => items.Indexes.CreateOne(
            new CreateIndexModel<BsonDocument>(new BsonDocument("code", 1), new CreateIndexOptions { Unique = true })));
        Assert.Equal(67, refused.Code);
        Assert.Contains("shard key pattern", refused.ErrorMessage);
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument { { "region", 1 }, { "code", 1 } }, new CreateIndexOptions { Unique = true }));
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("code", 1))); // not unique: any key
        Assert.Equal(["_id_", "code_1", "region_1", "region_1_code_1"], items.Indexes.List().ToList().Select(i => i["name"].AsString).Order());
    }
}
