using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The majority commit point as a member reports it: hello's lastWrite.majorityOpTime (the committed snapshot's optime,
/// ReplicationCoordinatorImpl::_makeIsMasterResponse) and replSetGetStatus's optimes.lastCommittedOpTime (the manual's
/// "majority commit point"); and, on the in-memory server, the hooks that hold it back and roll the oplog back.
/// </summary>
public class MajorityCommitPointTests : ServerTestBase
{
    [Fact]
    public void A_majority_write_is_at_or_before_the_commit_point_hello_and_replSetGetStatus_report()
    {
        var orders = Database("commit").GetCollection<BsonDocument>("orders").WithWriteConcern(WriteConcern.WMajority);
        orders.InsertOne(new BsonDocument("_id", 1));
        var written = OplogOf(orders.Database.DatabaseNamespace.DatabaseName, new BsonDocument("op", "i")).Single()["ts"].AsBsonTimestamp;

        var hello = Target.Admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1));
        var lastWrite = hello["lastWrite"].AsBsonDocument;
        var majority = lastWrite["majorityOpTime"]["ts"].AsBsonTimestamp;
        Assert.True(majority <= lastWrite["opTime"]["ts"].AsBsonTimestamp, $"majorityOpTime {majority} is past opTime {lastWrite["opTime"]}");
        Assert.Equal(BsonType.DateTime, lastWrite["majorityWriteDate"].BsonType);
        var status = Target.Admin.RunCommand<BsonDocument>(new BsonDocument("replSetGetStatus", 1));
        var committed = status["optimes"]["lastCommittedOpTime"]["ts"].AsBsonTimestamp;
        Assert.True(committed >= written, $"lastCommittedOpTime {committed} is before the majority write at {written}");
        Assert.True(committed >= majority, $"the commit point went back from {majority} to {committed}");
    }

    [InMemoryFact("holds the in-memory server's commit point back")]
    public void A_held_commit_point_stays_behind_later_writes_until_released()
    {
        var server = StartServer();
        var client = Connect(server);
        var orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument("_id", 1));
        server.HoldMajorityCommitPoint();
        var held = Newest(client);
        orders.InsertOne(new BsonDocument("_id", 2));

        var (opTime, majority, committed) = Optimes(client);
        Assert.Equal(Newest(client), opTime);
        Assert.True(opTime > held);
        Assert.Equal(held, majority);
        Assert.Equal(held, committed);

        server.ReleaseMajorityCommitPoint();
        (opTime, majority, committed) = Optimes(client);
        Assert.Equal(opTime, majority);
        Assert.Equal(opTime, committed);
    }

    [InMemoryFact("rolls the in-memory server's oplog back")]
    public void A_rollback_truncates_the_oplog_after_the_common_point_and_the_next_writes_follow_it()
    {
        var server = StartServer();
        var client = Connect(server);
        var orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        orders.InsertOne(new BsonDocument("_id", "kept"));
        var common = Newest(client);
        orders.InsertOne(new BsonDocument("_id", "lost-1"));
        orders.InsertOne(new BsonDocument("_id", "lost-2"));

        server.RollBackOplogTo(common);
        client = Connect(server); // the rollback dropped the connections
        orders = client.GetDatabase("app").GetCollection<BsonDocument>("orders");
        Assert.Equal(common, Newest(client));
        Assert.Equal(common, Optimes(client).OpTime);
        orders.InsertOne(new BsonDocument("_id", "new-history"));

        var after = Oplog(client, new BsonDocument("ts", new BsonDocument("$gt", common)));
        Assert.Equal(["new-history"], after.Select(e => e["o"]["_id"].AsString));
        Assert.Empty(Oplog(client, new BsonDocument("o._id", new BsonDocument("$in", new BsonArray { "lost-1", "lost-2" }))));
    }

    private static BsonTimestamp Newest(MongoClient client) =>
        client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument())
            .Sort(new BsonDocument("$natural", -1)).Limit(1).Single()["ts"].AsBsonTimestamp;

    private static (BsonTimestamp OpTime, BsonTimestamp Majority, BsonTimestamp Committed) Optimes(MongoClient client)
    {
        var admin = client.GetDatabase("admin");
        var lastWrite = admin.RunCommand<BsonDocument>(new BsonDocument("hello", 1))["lastWrite"];
        var status = admin.RunCommand<BsonDocument>(new BsonDocument("replSetGetStatus", 1));
        return (lastWrite["opTime"]["ts"].AsBsonTimestamp, lastWrite["majorityOpTime"]["ts"].AsBsonTimestamp,
            status["optimes"]["lastCommittedOpTime"]["ts"].AsBsonTimestamp);
    }
}
