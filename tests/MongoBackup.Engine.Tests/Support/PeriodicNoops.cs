using MongoBackup.Engine.Model;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// A replica-set primary's periodic no-ops ({op: "n", ns: "", o: {msg: "periodic noop"}}, src/mongo/db/repl/noop_writer.cpp):
/// written whenever nothing else was for periodicNoopIntervalSecs (10 s by default), by a real mongod and by the test
/// server alike. A test that reads what the oplog holds after a quiet moment holds whatever of them came.
/// </summary>
internal static class PeriodicNoops
{
    /// <summary>Whether <paramref name="entry"/> is a periodic no-op.</summary>
    public static bool Is(BsonDocument entry) =>
        entry["op"] == "n" && entry["o"] is BsonDocument o && o.ElementCount == 1 && o.GetValue("msg", BsonNull.Value) == "periodic noop";

    /// <summary>The oplog entries after <paramref name="after"/> up to and including <paramref name="upTo"/>.</summary>
    public static List<BsonDocument> Between(IMongoClient client, OplogTimestamp after, OplogTimestamp upTo) =>
        client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument("ts", new BsonDocument { { "$gt", after.ToBsonTimestamp() }, { "$lte", upTo.ToBsonTimestamp() } })).ToList();

    /// <summary>Asserts that every entry after <paramref name="after"/> up to <paramref name="upTo"/> is a periodic no-op; returns how many there are.</summary>
    public static int AssertOnlyNoopsBetween(IMongoClient client, OplogTimestamp after, OplogTimestamp upTo)
    {
        var entries = Between(client, after, upTo);
        Assert.All(entries, e => Assert.True(Is(e), $"not a periodic no-op: {e}"));
        return entries.Count;
    }
}
