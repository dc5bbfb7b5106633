using MongoBackup.TestServer.Commands;
using MongoBackup.TestServer.Tests.Sharding;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Every command the in-memory servers serve (a replica set member and a mongos, as listCommands names them) is
/// checked against its declared shape or listed in UnshapedCommands with its reason; and the sharding commands' shapes
/// refuse as mongos does (s/request_types/*.idl).
/// </summary>
public class ShapeCoverageTests : ServerTestBase
{
    private static List<string> Served(IMongoDatabase admin) =>
        admin.RunCommand<BsonDocument>(new BsonDocument("listCommands", 1))["commands"].AsBsonDocument.Names.ToList();

    [InMemoryFact("checks the in-memory server's own command table")]
    public void Every_served_command_is_shaped_or_has_a_documented_reason_and_no_reason_is_stale()
    {
        using var cluster = new ClusterFixture(shards: 1);
        var served = Served(Client.GetDatabase("admin")).Concat(Served(cluster.Admin)).Distinct().ToList();
        Assert.Empty(served.Where(name => !CommandShapes.Covers(name) && !UnshapedCommands.Reasons.ContainsKey(name)));
        Assert.Empty(UnshapedCommands.Reasons.Keys.Where(name => !served.Contains(name)));
        Assert.Empty(served.Where(name => CommandShapes.Covers(name) && UnshapedCommands.Reasons.ContainsKey(name)));
    }

    [Fact]
    public void A_command_served_with_neither_a_shape_nor_a_reason_stops_the_server_from_starting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => UnshapedCommands.RequireEveryCommandAccountedFor(["find", "ping", "newCommand"]));
        Assert.Equal("commands served with neither a shape nor a documented reason: newCommand", error.Message);
    }

    [InMemoryFact("the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)")]
    public void Sharding_commands_refuse_unknown_mistyped_missing_and_unserved_fields_and_change_nothing()
    {
        using var cluster = new ClusterFixture();
        cluster.Mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument("customer", 1));
        MongoCommandException Refused(string command) => Assert.Throws<MongoCommandException>(() => cluster.RunAdmin(BsonDocument.Parse(command)));

        Assert.Equal(IdlRefusals.UnknownField("addShardToZone.zon"), IdlRefusals.Of(Refused("{addShardToZone: 'shard1', zon: 'EU'}")));
        Assert.Equal(IdlRefusals.WrongType("removeShardFromZone.zone", "int", "expected type 'string'"),
            IdlRefusals.Of(Refused("{removeShardFromZone: 'shard1', zone: 1}")));
        Assert.Equal(IdlRefusals.MissingRequired("updateZoneKeyRange.zone"),
            IdlRefusals.Of(Refused("{updateZoneKeyRange: 'shop.orders', min: {customer: 0}, max: {customer: 10}}")));
        Assert.Equal(IdlRefusals.MissingRequired("shardCollection.key"), IdlRefusals.Of(Refused("{shardCollection: 'shop.orders'}")));
        Assert.Equal(IdlRefusals.MissingRequired("refineCollectionShardKey.key"), IdlRefusals.Of(Refused("{refineCollectionShardKey: 'shop.orders'}")));
        IdlRefusals.AssertNotServed(Refused("{shardCollection: 'shop.orders', key: {customer: 'hashed'}, numInitialChunks: 4}"),
            "shardCollection.numInitialChunks");

        var config = cluster.Config.GetDatabase("config");
        Assert.Equal(0, config.GetCollection<BsonDocument>("collections").CountDocuments(new BsonDocument("_id", "shop.orders")));
        Assert.Equal(0, config.GetCollection<BsonDocument>("tags").CountDocuments(new BsonDocument()));
        Assert.All(config.GetCollection<BsonDocument>("shards").Find(new BsonDocument()).ToList(),
            shard => Assert.Empty(shard.GetValue("tags", new BsonArray()).AsBsonArray));
    }
}
