using MongoBackup.Engine.Cluster;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>The hashed shard key value the restore computes to find a document's chunk: MongoDB's own hash64 (db/hasher_test.cpp's expectations).</summary>
public sealed class ShardKeyHashTests
{
    public static TheoryData<BsonValue, long> Expected => new()
    {
        { new BsonInt32(42), -944302157085130861L },
        { new BsonDouble(1.987), 5902408780260971510L },
        { new BsonInt64(long.MinValue), 4532067210535695462L },
        { new BsonString("abc"), 8478485326885698097L },
        { new BsonDocument { { "a", "abc" }, { "b", 123L } }, 4771603801758380216L },
        { new BsonArray { "bar", "baz", "qux" }, -2938911267422831539L },
        { new ObjectId("010203040506070809101112"), -5588663249627035708L },
        { new BsonDateTime(0), -1178696894582842035L },
        { BsonMinKey.Value, 7961148599568647290L },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Hash_is_MongoDBs_hash64_with_seed_0(BsonValue value, long expected) => Assert.Equal(expected, ShardKeyHash.Of(value));
}
